"""The super-conductor's RPC endpoint (topic ``conductor`` on the API-level
bus): one method, a cast from the compute API."""
from __future__ import annotations

from nubes.common.context import RequestContext
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.build import ScheduleAndBuild
from nubes.scheduler.messages import RequestSpec
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
