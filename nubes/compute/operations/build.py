"""Build and run an instance on this host.

The super-conductor (or, on a reschedule, the cell conductor) created the
instance row (vm_state building, task_state scheduling, host/node = this
host), claimed the selection in placement, and cast here.  Then:

1. ``compute__do_build_and_run_instance`` starts on the request's action
   and the task state goes scheduling -> spawning (one conductor call,
   one cell transaction);
2. the driver spawns the guest;
3. vm_state active, no task, power state running, ``launched_at``, the
   event and the action finished (one call, one transaction).

A driver failure: the guest is cleaned up, **this host's claim is released**
(``DELETE /allocations/{instance}``), the event finishes with Error, and the
instance goes back to its cell conductor (``build_instances``, on the cell's
bus: no call up to the API level) with the remaining alternates.

If the instance was deleted meanwhile (it is gone, or its task state is
``deleting``), the build stops; the delete cleans up.
"""
from __future__ import annotations

import logging
import traceback

from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.operations import Host, volumes
from nubes.compute.states import TaskState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState
from nubes.scheduler.messages import Selection

LOG = logging.getLogger(__name__)
EVENT = "compute__do_build_and_run_instance"


def build_and_run_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                           request_spec: dict, selection: Selection,
                           alternates: list[Selection], attempt: int) -> str:
    """Returns what happened: ``active``, ``rescheduled``, ``gone`` or
    ``error`` (a volume to boot with could not be connected)."""
    with host.locks.hold(instance_uuid):
        return _build(host, ctx, instance_uuid, request_spec, selection, alternates, attempt)


def _build(host: Host, ctx, instance_uuid, request_spec, selection, alternates, attempt):
    conductor = host.conductor
    try:
        conductor.instance_update_with_event(
            ctx, instance_uuid,
            {"task_state": TaskState.SPAWNING, "host": host.name,
             "node": selection.nodename, "launched_on": host.name},
            event=EVENT, phase="start", host=host.name,
            expected_task_state=[TaskState.SCHEDULING, None],
            expected_vm_state=[VmState.BUILDING])
    except (InstanceNotFound, UnexpectedTaskState) as exc:
        LOG.info("not building %s: %s", instance_uuid, exc)
        _release(host, ctx, instance_uuid)
        return "gone"

    try:
        volumes.prepare_boot_volumes(host, ctx, instance_uuid)
    except Exception as exc:  # noqa: BLE001 - no other host would do better
        LOG.warning("the volumes of %s could not be prepared: %s", instance_uuid, exc)
        volumes.abort_build(host, ctx, instance_uuid, exc)
        return "error"

    try:
        power_state = host.driver.spawn(instance_uuid, selection.nodename)
    except Exception as exc:  # noqa: BLE001 - any driver failure reschedules
        LOG.warning("spawning %s on %s failed (attempt %d): %s", instance_uuid, host.name,
                    attempt, exc)
        _reschedule(host, ctx, instance_uuid, request_spec, alternates, attempt, exc)
        return "rescheduled"

    try:
        conductor.instance_update_with_event(
            ctx, instance_uuid,
            {"vm_state": VmState.ACTIVE, "task_state": None, "power_state": power_state,
             "launched_at": utcnow().isoformat()},
            event=EVENT, phase="finish", host=host.name, finish_action=True,
            expected_task_state=[TaskState.SPAWNING])
    except (InstanceNotFound, UnexpectedTaskState) as exc:
        # A delete came while spawning: it is waiting for this lock and
        # destroys the guest (or already removed the row: clean up here).
        LOG.info("%s changed while spawning: %s", instance_uuid, exc)
        if isinstance(exc, InstanceNotFound):
            host.driver.destroy(instance_uuid)
            _release(host, ctx, instance_uuid)
        return "gone"
    LOG.info("instance %s is active on %s", instance_uuid, host.name)
    return "active"


def _release(host: Host, ctx: RequestContext, instance_uuid: str) -> None:
    try:
        host.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001 - logged; the claim is then left to an audit
        LOG.exception("could not release the claim of %s", instance_uuid)


def _reschedule(host: Host, ctx, instance_uuid, request_spec, alternates, attempt,
                exc: Exception) -> None:
    try:
        host.driver.destroy(instance_uuid)
    except Exception:  # noqa: BLE001
        LOG.exception("cleaning up the failed guest %s", instance_uuid)
    _release(host, ctx, instance_uuid)
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    host.conductor.action_event_finish(ctx, instance_uuid, EVENT, host=host.name,
                                       error=text)
    host.conductor.build_instances(
        ctx, instance_uuid=instance_uuid, request_spec=request_spec,
        alternates=[a.to_dict() for a in alternates], attempt=attempt,
        failed_host=host.name, reason=text)
