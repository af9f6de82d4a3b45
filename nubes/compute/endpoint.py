"""The compute agent's RPC endpoint (topic ``compute``, server = host)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nubes.common.context import RequestContext
from nubes.compute.messages import HostStatus

if TYPE_CHECKING:  # the agent owns the endpoint; no import cycle at run time
    from nubes.compute.agent import ComputeAgent


class ComputeEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, agent: "ComputeAgent"):
        self._agent = agent

    def ping(self, ctx: RequestContext) -> HostStatus:
        return self._agent.status()

    def set_host_enabled(self, ctx: RequestContext, *, enabled: bool) -> str:
        self._agent.set_disabled(ctx, not enabled)
        return "enabled" if enabled else "disabled"

    def update_available_resource(self, ctx: RequestContext) -> None:
        self._agent.update_available_resource(ctx)
