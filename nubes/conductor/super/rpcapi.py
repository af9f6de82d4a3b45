"""Client side of the super-conductor (what the compute API casts)."""
from __future__ import annotations

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.conductor.super.messages import TOPIC
from nubes.scheduler.messages import RequestSpec

VERSION = "1.0"


class SuperConductorAPI:
    """Client side of the super-conductor (topic ``conductor`` on the
    API-level bus, ``[DEFAULT] transport_url`` of the API services)::

        SuperConductorAPI(api_transport).schedule_and_build_instances(
            ctx, instance_uuids)

    Cast it after committing the build requests, request specs and instance
    mappings (:func:`nubes.cells.repo.build_requests.create`).
    """

    def __init__(self, transport: rpc.Transport, *, timeout: float | None = None):
        self._client = rpc.RPCClient(transport, rpc.Target(TOPIC), timeout=timeout,
                                     version=VERSION)

    def schedule_and_build_instances(self, ctx: RequestContext | None,
                                     instance_uuids: list[str], *,
                                     request_spec: RequestSpec | None = None) -> None:
        """One request's instances (a multi-create is one call).  Without
        ``request_spec`` the super-conductor reads the first instance's from
        the API database."""
        self.message(ctx, instance_uuids, request_spec=request_spec).send()

    def message(self, ctx: RequestContext | None, instance_uuids: list[str], *,
                request_spec: RequestSpec | None = None) -> rpc.Outgoing:
        """The encoded cast, for :class:`~nubes.common.rpc.PostCommitCasts`."""
        return self._client.message(
            ctx, "schedule_and_build_instances", instance_uuids=list(instance_uuids),
            request_spec=None if request_spec is None else request_spec.to_dict())

    def unshelve_instance(self, ctx: RequestContext | None, instance_uuid: str, *,
                          availability_zone: str | None = "keep",
                          host: str | None = None) -> rpc.Outgoing:
        """Schedule an offloaded server again (in its cell) and unshelve it
        there; ``availability_zone`` "keep" leaves its zone as it was."""
        return self._client.message(ctx, "unshelve_instance", instance_uuid=instance_uuid,
                                    availability_zone=availability_zone, host=host)

    def migrate_server(self, ctx: RequestContext | None, instance_uuid: str, *,
                       flavor: dict | None = None, host: str | None = None,
                       old_vm_state: str = "active", evacuate: bool = False,
                       target_state: str | None = None, live: bool = False,
                       cross_cell: bool = False) -> rpc.Outgoing:
        """Resize (``flavor``: the new flavor's fields), cold-migrate
        (``flavor`` None; ``host`` 2.56), evacuate (its host is down) or
        live-migrate the server within its cell."""
        return self._client.message(ctx, "migrate_server", instance_uuid=instance_uuid,
                                    flavor=flavor, host=host, old_vm_state=old_vm_state,
                                    evacuate=evacuate, target_state=target_state, live=live,
                                    cross_cell=cross_cell)

    def confirm_cross_cell(self, ctx: RequestContext | None, instance_uuid: str,
                           migration_uuid: str) -> rpc.Outgoing:
        """Confirm a move across cells (the old cell's host cleans up)."""
        return self._client.message(ctx, "confirm_cross_cell", instance_uuid=instance_uuid,
                                    migration_uuid=migration_uuid)

    def revert_cross_cell(self, ctx: RequestContext | None, instance_uuid: str,
                          migration_uuid: str) -> rpc.Outgoing:
        """Revert a move across cells (the server goes back to its old cell)."""
        return self._client.message(ctx, "revert_cross_cell", instance_uuid=instance_uuid,
                                    migration_uuid=migration_uuid)
