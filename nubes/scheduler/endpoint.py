"""The scheduler's RPC endpoint (topic ``scheduler`` on the API-level bus):
decode, call the service, encode.  No logic of its own."""
from __future__ import annotations

from typing import Any

from nubes.common.context import RequestContext
from nubes.scheduler.messages import RequestSpec
from nubes.scheduler.service import SchedulerService


class SchedulerEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, service: SchedulerService):
        self._service = service

    def select_destinations(self, ctx: RequestContext, *, request_spec: dict,
                            instance_uuids: list[str],
                            return_alternates: bool = True) -> Any:
        selections = self._service.select_destinations(
            ctx, RequestSpec.from_dict(request_spec), list(instance_uuids),
            return_alternates=return_alternates)
        return [[s.to_dict() for s in per_instance] for per_instance in selections]
