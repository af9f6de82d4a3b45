"""The super-conductor's RPC endpoint (topic ``conductor`` on the API-level
bus): casts from the compute API."""
from __future__ import annotations

from nubes.common.context import RequestContext
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super import cross_cell
from nubes.conductor.super.build import ScheduleAndBuild
from nubes.conductor.super.migrate import MigrateServer, MoveRequest
from nubes.conductor.super.unshelve import KEEP, UnshelveOffloaded
from nubes.scheduler.messages import NoValidHost, RequestSpec
from nubes.scheduler.rpcapi import SchedulerAPI


class SuperConductorEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, api: ApiLevel, scheduler: SchedulerAPI):
        self._api = api
        self._scheduler = scheduler

    def schedule_and_build_instances(self, ctx: RequestContext, *,
                                     instance_uuids: list[str],
                                     request_spec: dict | None = None) -> dict:
        spec = None if request_spec is None else RequestSpec.from_dict(request_spec)
        return ScheduleAndBuild(self._api, self._scheduler, ctx, instance_uuids,
                                spec).execute()

    def unshelve_instance(self, ctx: RequestContext, *, instance_uuid: str,
                          availability_zone: str | None = KEEP,
                          host: str | None = None) -> str:
        try:
            return UnshelveOffloaded(self._api, self._scheduler, ctx, instance_uuid,
                                     availability_zone=availability_zone,
                                     host=host).execute()
        except NoValidHost:        # rolled back: the server stays offloaded, with a fault
            return "no_valid_host"

    def migrate_server(self, ctx: RequestContext, *, instance_uuid: str,
                       flavor: dict | None = None, host: str | None = None,
                       old_vm_state: str = "active", evacuate: bool = False,
                       target_state: str | None = None, live: bool = False,
                       cross_cell: bool = False) -> str:
        try:
            return MigrateServer(self._api, self._scheduler, ctx, MoveRequest(
                instance_uuid, flavor, host=host, old_vm_state=old_vm_state,
                evacuate=evacuate, target_state=target_state, live=live,
                cross_cell=cross_cell)).execute()
        except NoValidHost:        # rolled back: the server stays where it was
            return "no_valid_host"

    def confirm_cross_cell(self, ctx: RequestContext, *, instance_uuid: str,
                           migration_uuid: str) -> str:
        return cross_cell.confirm(self._api, ctx, instance_uuid, migration_uuid)

    def revert_cross_cell(self, ctx: RequestContext, *, instance_uuid: str,
                          migration_uuid: str) -> str:
        return cross_cell.revert(self._api, ctx, instance_uuid, migration_uuid)
