"""The actions a server's host carries out on its guest: reboot, stop,
start, pause/unpause, suspend/resume, rescue/unrescue and
trigger_crash_dump.

Each starts its task (:mod:`.server_tasks`: state check, task state and
instance action in one cell transaction), then casts to the host, which
runs the driver and clears the task (``nubes.compute.operations``).  The
vm states each may start from are nova's.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from nubes.api.compute.service import server_tasks
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState

_Cast = Callable[[ComputeAPI, RequestContext, str, str, dict], rpc.Outgoing]


@dataclasses.dataclass(frozen=True)
class _HostAction:
    task: Task
    cast: _Cast


def _cast(method: str, *names: str) -> _Cast:
    """Call ``ComputeAPI.<method>(ctx, host, uuid, **{name: args[name]})``."""
    def send(api: ComputeAPI, ctx: RequestContext, host: str, uuid: str,
             args: dict) -> rpc.Outgoing:
        return getattr(api, method)(ctx, host, uuid, **{n: args.get(n) for n in names})
    return send


_A, _S, _E = VmState.ACTIVE, VmState.STOPPED, VmState.ERROR

ACTIONS: dict[str, _HostAction] = {
    "reboot_soft": _HostAction(Task("reboot", Action.REBOOT, (_A,), TaskState.REBOOTING),
                               _cast("reboot_instance", "reboot_type")),
    "reboot_hard": _HostAction(
        Task("reboot", Action.REBOOT, (_A, _S, _E, VmState.PAUSED, VmState.SUSPENDED),
             TaskState.REBOOTING_HARD),
        _cast("reboot_instance", "reboot_type")),
    "stop": _HostAction(Task("stop", Action.STOP, (_A, _E), TaskState.POWERING_OFF),
                        _cast("stop_instance")),
    "start": _HostAction(Task("start", Action.START, (_S,), TaskState.POWERING_ON),
                         _cast("start_instance")),
    "pause": _HostAction(Task("pause", Action.PAUSE, (_A,), TaskState.PAUSING),
                         _cast("pause_instance")),
    "unpause": _HostAction(Task("unpause", Action.UNPAUSE, (VmState.PAUSED,),
                                TaskState.UNPAUSING), _cast("unpause_instance")),
    "suspend": _HostAction(Task("suspend", Action.SUSPEND, (_A,), TaskState.SUSPENDING),
                           _cast("suspend_instance")),
    "resume": _HostAction(Task("resume", Action.RESUME, (VmState.SUSPENDED,),
                               TaskState.RESUMING), _cast("resume_instance")),
    "rescue": _HostAction(Task("rescue", Action.RESCUE, (_A, _S, _E), TaskState.RESCUING),
                          _cast("rescue_instance", "rescue_password", "rescue_image_ref")),
    "unrescue": _HostAction(Task("unrescue", Action.UNRESCUE, (VmState.RESCUED,),
                                 TaskState.UNRESCUING), _cast("unrescue_instance")),
    "trigger_crash_dump": _HostAction(
        Task("trigger_crash_dump", Action.TRIGGER_CRASH_DUMP,
             (_A, VmState.PAUSED, VmState.RESIZED, _S, _E), None),
        _cast("trigger_crash_dump")),
}


def power_action(state: ComputeState, ctx: RequestContext, uuid: str, what: str,
                 **args) -> None:
    """``what``: a key of :data:`ACTIONS`; ``args`` what its cast takes
    (``reboot_type`` is implied by reboot_soft/reboot_hard)."""
    if what.startswith("reboot_"):
        args["reboot_type"] = "HARD" if what == "reboot_hard" else "SOFT"
    host_action = ACTIONS[what]
    located = server_tasks.start(state, ctx, uuid, host_action.task)
    host_action.cast(ComputeAPI(state.buses.require(located.cell)), ctx,
                     located.instance.host, uuid, args).send()

