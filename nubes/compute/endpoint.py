"""The compute agent's RPC endpoint (topic ``compute``, server = host)."""
from __future__ import annotations

from typing import Protocol

from nubes.common.context import RequestContext
from nubes.compute.messages import HostStatus
from nubes.compute.operations import Host, build, delete, power
from nubes.scheduler.messages import Selection


class Agent(Protocol):
    """What the endpoint needs of the agent that owns it
    (:class:`nubes.compute.agent.ComputeAgent`)."""
    host: str
    driver: object
    conductor: object
    tracker: object

    def status(self) -> HostStatus: ...

    def set_disabled(self, ctx: RequestContext, disabled: bool) -> None: ...

    def update_available_resource(self, ctx: RequestContext) -> object: ...


class ComputeEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, agent: Agent):
        self._agent = agent
        # What the instance operations work with (the agent built its
        # driver, conductor client and tracker before its endpoint).
        self._ops = Host(agent.host, agent.driver, agent.conductor,
                         agent.tracker.placement)

    def ping(self, ctx: RequestContext) -> HostStatus:
        return self._agent.status()

    def set_host_enabled(self, ctx: RequestContext, *, enabled: bool) -> str:
        self._agent.set_disabled(ctx, not enabled)
        return "enabled" if enabled else "disabled"

    def update_available_resource(self, ctx: RequestContext) -> None:
        self._agent.update_available_resource(ctx)

    # --- instance operations (added with the build, delete and power flows) ------
    # All casts; each runs one module of nubes.compute.operations.

    def build_and_run_instance(self, ctx: RequestContext, *, instance_uuid: str,
                               request_spec: dict, selection: dict,
                               alternates: list[dict], attempt: int = 1) -> str:
        return build.build_and_run_instance(
            self._host(), ctx, instance_uuid=instance_uuid, request_spec=request_spec,
            selection=Selection.from_dict(selection),
            alternates=[Selection.from_dict(a) for a in alternates], attempt=attempt)

    def terminate_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return delete.terminate_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def reboot_instance(self, ctx: RequestContext, *, instance_uuid: str,
                        reboot_type: str = "SOFT") -> bool:
        return power.reboot_instance(self._host(), ctx, instance_uuid=instance_uuid,
                                     reboot_type=reboot_type)

    def stop_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.stop_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def start_instance(self, ctx: RequestContext, *, instance_uuid: str) -> bool:
        return power.start_instance(self._host(), ctx, instance_uuid=instance_uuid)

    def _host(self) -> Host:
        return self._ops
