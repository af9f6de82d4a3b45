"""Rebuild on this host: the guest re-created from a new image, same node.

The API wrote the new image (and name, metadata, key, ...) with task
``rebuilding`` and left the vm state as it was (ACTIVE, STOPPED or ERROR).
Here:

1. the row moves to ``rebuild_spawning`` while it is still ``rebuilding``
   (a delete that got there first wins: nothing is touched);
2. the driver destroys the guest and spawns it again from the image on the
   instance's node (its placement allocations do not change: same node,
   same flavor);
3. a server that was STOPPED is powered off again and stays STOPPED (as in
   OpenStack compute); any other comes back ACTIVE and running, with a new
   ``launched_at``; the task is cleared and the ``compute_rebuild_instance``
   event finished.

A driver failure leaves the server in ERROR with a fault, the event
finished with the error.
"""
from __future__ import annotations

import logging
import traceback

from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.operations import Host
from nubes.compute.states import TaskState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState, fault

LOG = logging.getLogger(__name__)
EVENT = "compute_rebuild_instance"


def rebuild_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                     admin_password: str | None = None,
                     preserve_ephemeral: bool = False) -> bool:
    conductor = host.conductor
    with host.locks.hold(instance_uuid):
        try:
            record = conductor.instance_update(
                ctx, instance_uuid, {"task_state": TaskState.REBUILD_SPAWNING},
                expected_task_state=[TaskState.REBUILDING])
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("not rebuilding %s: %s", instance_uuid, exc)
            return False
        conductor.action_event_start(ctx, instance_uuid, EVENT, host=host.name)
        stopped = record.vm_state == VmState.STOPPED
        try:
            power_state = host.driver.rebuild(
                instance_uuid, record.node or host.name, record.image_ref,
                admin_password=admin_password, preserve_ephemeral=preserve_ephemeral)
            if stopped:
                power_state = host.driver.power_off(instance_uuid)
        except Exception as exc:  # noqa: BLE001 - the server goes to ERROR
            LOG.warning("rebuilding %s on %s failed: %s", instance_uuid, host.name, exc)
            _fail(host, ctx, instance_uuid, exc)
            return False
        values = {"vm_state": VmState.STOPPED if stopped else VmState.ACTIVE,
                  "task_state": None, "power_state": power_state,
                  "launched_at": utcnow().isoformat()}
        try:
            conductor.instance_update(ctx, instance_uuid, values,
                                      expected_task_state=[TaskState.REBUILD_SPAWNING])
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("rebuild of %s: it changed meanwhile: %s", instance_uuid, exc)
            return False
        conductor.action_event_finish(ctx, instance_uuid, EVENT, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s rebuilt from image %s on %s", instance_uuid,
                 record.image_ref, host.name)
        return True


def _fail(host: Host, ctx: RequestContext, uuid: str, exc: Exception) -> None:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    try:
        host.conductor.instance_update(
            ctx, uuid, {"vm_state": VmState.ERROR, "task_state": None,
                        "power_state": host.driver.power_state(uuid)},
            expected_task_state=[TaskState.REBUILD_SPAWNING],
            fault=fault(500, text, host=host.name))
    except (InstanceNotFound, UnexpectedTaskState):
        pass
    host.conductor.action_event_finish(ctx, uuid, EVENT, host=host.name, error=text)
