"""What the API asks a host about a guest and waits for (RPC calls): the
console output, diagnostics, and a new admin password.

``set_admin_password`` runs under the instance's task state
``updating_password``, which the API set before calling; it is cleared
whatever happens, and the action's event says how it went.
"""
from __future__ import annotations

import logging

from nubes.common.context import RequestContext
from nubes.compute.messages import Diagnostics, GuestNotReady, NotSupported, PasswordSetFailed
from nubes.compute.operations import Host
from nubes.compute.states import PowerState, TaskState
from nubes.compute.virt.driver import DriverError
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState

LOG = logging.getLogger(__name__)
PASSWORD_EVENT = "compute_set_admin_password"


def _unsupported(what: str, host: Host) -> NotSupported:
    return NotSupported(f"{what} is not supported by the {type(host.driver).__name__} driver")


def get_console_output(host: Host, ctx: RequestContext, *, instance_uuid: str,
                       tail_length: int | None) -> str:
    """The guest's console log; its last ``tail_length`` lines when given."""
    if not hasattr(host.driver, "console_output"):
        raise _unsupported("Console output", host)
    try:
        output = host.driver.console_output(instance_uuid)
    except DriverError as exc:
        raise GuestNotReady(str(exc)) from None
    if tail_length is None:
        return output
    if tail_length <= 0:
        return ""
    lines = output.splitlines()
    return "\n".join(lines[-tail_length:])


def get_diagnostics(host: Host, ctx: RequestContext, *, instance_uuid: str) -> Diagnostics:
    if not hasattr(host.driver, "diagnostics"):
        raise _unsupported("Diagnostics", host)
    try:
        return Diagnostics.from_wire(host.driver.diagnostics(instance_uuid))
    except DriverError as exc:
        raise GuestNotReady(str(exc)) from None


def set_admin_password(host: Host, ctx: RequestContext, *, instance_uuid: str,
                       new_pass: str) -> None:
    conductor = host.conductor
    with host.locks.hold(instance_uuid):
        conductor.action_event_start(ctx, instance_uuid, PASSWORD_EVENT, host=host.name)
        failure: Exception | None = None
        if not hasattr(host.driver, "set_admin_password"):
            failure = _unsupported("Setting the admin password", host)
        elif host.driver.power_state(instance_uuid) != PowerState.RUNNING:
            failure = PasswordSetFailed(f"Failed to set admin password on {instance_uuid} "
                                        "because the instance is not running")
        else:
            try:
                host.driver.set_admin_password(instance_uuid, new_pass)
            except DriverError as exc:
                failure = PasswordSetFailed(
                    f"Failed to set admin password on {instance_uuid} because {exc}")
        try:
            conductor.instance_update(ctx, instance_uuid, {"task_state": None},
                                      expected_task_state=[TaskState.UPDATING_PASSWORD])
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("set_admin_password: %s changed meanwhile: %s", instance_uuid, exc)
        conductor.action_event_finish(ctx, instance_uuid, PASSWORD_EVENT, host=host.name,
                                      error=None if failure is None else str(failure),
                                      finish_action=failure is None)
        if failure is not None:
            raise failure


