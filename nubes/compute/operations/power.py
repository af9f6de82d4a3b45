"""What changes a guest's power on this host: reboot (soft or hard), stop,
start, pause/unpause, suspend/resume, rescue/unrescue, and the crash dump.

The API set the task state (``rebooting``, ``powering-off``, ``pausing``,
...) and started the action before casting here; each operation runs the
driver and clears the task state with the resulting vm and power state.  A driver failure leaves the vm state as it
was, clears the task, records a fault and finishes the event with Error.
"""
from __future__ import annotations

import logging
import traceback
from typing import Callable

from nubes.common.context import RequestContext
from nubes.compute.operations import Host
from nubes.compute.states import TaskState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState, fault

LOG = logging.getLogger(__name__)


def reboot_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                    reboot_type: str = "SOFT") -> bool:
    hard = reboot_type.upper() == "HARD"
    return _run(host, ctx, instance_uuid, "compute_reboot_instance",
                [TaskState.REBOOTING_HARD if hard else TaskState.REBOOTING],
                lambda: host.driver.reboot(instance_uuid, hard=hard), VmState.ACTIVE)


def stop_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_stop_instance",
                [TaskState.POWERING_OFF], lambda: host.driver.power_off(instance_uuid),
                VmState.STOPPED)


def start_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_start_instance",
                [TaskState.POWERING_ON], lambda: host.driver.power_on(instance_uuid),
                VmState.ACTIVE)


def pause_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_pause_instance", [TaskState.PAUSING],
                lambda: host.driver.pause(instance_uuid), VmState.PAUSED)


def unpause_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_unpause_instance", [TaskState.UNPAUSING],
                lambda: host.driver.unpause(instance_uuid), VmState.ACTIVE)


def suspend_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_suspend_instance",
                [TaskState.SUSPENDING], lambda: host.driver.suspend(instance_uuid),
                VmState.SUSPENDED)


def resume_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_resume_instance", [TaskState.RESUMING],
                lambda: host.driver.resume(instance_uuid), VmState.ACTIVE)


def rescue_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                    rescue_password: str | None = None,
                    rescue_image_ref: str | None = None) -> bool:
    return _run(host, ctx, instance_uuid, "compute_rescue_instance", [TaskState.RESCUING],
                lambda: host.driver.rescue(instance_uuid, rescue_image_ref, rescue_password),
                VmState.RESCUED)


def unrescue_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _run(host, ctx, instance_uuid, "compute_unrescue_instance",
                [TaskState.UNRESCUING], lambda: host.driver.unrescue(instance_uuid),
                VmState.ACTIVE)


def trigger_crash_dump(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    """No task state: only the event records it; the power state is re-read."""
    def dump() -> int:
        host.driver.trigger_crash_dump(instance_uuid)
        return host.driver.power_state(instance_uuid)
    return _run(host, ctx, instance_uuid, "compute_trigger_crash_dump", [None], dump, None)


def _run(host: Host, ctx: RequestContext, instance_uuid: str, event: str,
         task_states: list[str | None], operation: Callable[[], int],
         vm_state: str | None) -> bool:
    """``vm_state`` None: leave it as it is."""
    with host.locks.hold(instance_uuid):
        conductor = host.conductor
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        try:
            power_state = operation()
        except Exception as exc:  # noqa: BLE001
            LOG.warning("%s of %s failed: %s", event, instance_uuid, exc)
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            try:
                conductor.instance_update(ctx, instance_uuid, {"task_state": None},
                                          expected_task_state=task_states,
                                          fault=fault(500, text, host=host.name))
            except (InstanceNotFound, UnexpectedTaskState):
                pass
            conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                          error=text)
            return False
        values = {"task_state": None, "power_state": power_state}
        if vm_state is not None:
            values["vm_state"] = vm_state
        try:   # one transaction: no reader sees the new state without the event's end
            conductor.instance_update_with_event(
                ctx, instance_uuid, values, event=event, phase="finish", host=host.name,
                finish_action=True, expected_task_state=task_states)
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("%s: %s changed meanwhile: %s", event, instance_uuid, exc)
            return False
        return True


# The shape every task-state operation on a guest follows (soft delete and
# restore use it too).
run_guest_operation = _run
