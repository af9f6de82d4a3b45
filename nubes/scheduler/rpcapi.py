"""Client side of the scheduler (what the super-conductor calls).

::

    scheduler = SchedulerAPI(transport)          # the API-level bus
    selections = scheduler.select_destinations(ctx, spec, instance_uuids)
    # [[claimed, alternate, ...], ...]: one list per instance, in order

A call on topic ``scheduler``: any running scheduler may answer.  It
raises :class:`~nubes.scheduler.messages.NoValidHost` (nothing stays
claimed), :class:`~nubes.scheduler.messages.AllocationConflict` (the
instance already had allocations) or
:class:`~nubes.common.rpc.MessagingTimeout`.
"""
from __future__ import annotations

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.scheduler.messages import TOPIC, RequestSpec, Selection

VERSION = "1.0"


class SchedulerAPI:
    def __init__(self, transport: rpc.Transport, *, timeout: float | None = None):
        self._client = rpc.RPCClient(transport, rpc.Target(TOPIC), timeout=timeout,
                                     version=VERSION)

    def select_destinations(self, ctx: RequestContext | None, request_spec: RequestSpec,
                            instance_uuids: list[str], return_alternates: bool = True, *,
                            timeout: float | None = None) -> list[list[Selection]]:
        data = self._client.call(ctx, "select_destinations", timeout=timeout,
                                 request_spec=request_spec.to_dict(),
                                 instance_uuids=list(instance_uuids),
                                 return_alternates=return_alternates)
        return [[Selection.from_dict(s) for s in per_instance] for per_instance in data]
