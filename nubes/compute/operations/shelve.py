"""Shelve, offload and unshelve on this host.

* ``shelve_instance`` (task ``shelving``, set by the API): the guest is
  powered off and the instance left SHELVED on this host, still holding its
  allocations; with ``offload`` (``shelved_offload_time`` = 0) it is
  offloaded at once.
* ``shelve_offload_instance`` (task ``shelving_offloading``, or straight
  after a shelve): the guest is destroyed, the row leaves the host (host and
  node NULL, SHELVED_OFFLOADED) and then the placement allocations are
  removed: an offloaded server holds nothing on any host.
* ``unshelve_instance`` (task ``unshelving``): a SHELVED guest is powered on
  here; an offloaded one was scheduled and claimed by the super-conductor
  (``selection``) and is spawned on that node, its root disk made of the
  shelve's snapshot (``image_id``).  A spawn failure releases the
  claim and leaves the server SHELVED_OFFLOADED with a fault.
"""
from __future__ import annotations

import logging
import traceback

from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.operations import Host, snapshot, volumes
from nubes.compute.operations.power import run_guest_operation
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState, fault
from nubes.scheduler.messages import Selection

LOG = logging.getLogger(__name__)
SHELVE_EVENT = "compute_shelve_instance"
OFFLOAD_EVENT = "compute_shelve_offload_instance"
UNSHELVE_EVENT = "compute_unshelve_instance"
OFFLOAD_BATCH = 50


def shelve_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                    offload: bool, image_id: str | None = None) -> bool:
    """``image_id``: the queued image the guest's disk goes to (deleted if
    the shelve fails)."""
    def power_off_and_upload() -> int:
        state = host.driver.power_off(instance_uuid)
        if image_id is not None:
            snapshot.upload_disk(host, ctx, instance_uuid, image_id)
        return state
    if not run_guest_operation(host, ctx, instance_uuid, SHELVE_EVENT, [TaskState.SHELVING],
                               power_off_and_upload, VmState.SHELVED):
        if image_id is not None:
            snapshot.delete_image(host, ctx, image_id)
        return False
    if offload:
        return _offload(host, ctx, instance_uuid, [None], VmState.SHELVED)
    return True


def shelve_offload_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return _offload(host, ctx, instance_uuid, [TaskState.SHELVING_OFFLOADING],
                    VmState.SHELVED)


def _offload(host: Host, ctx: RequestContext, uuid: str, task_states: list,
             vm_state: str) -> bool:
    conductor = host.conductor
    with host.locks.hold(uuid):
        try:   # claim the row: nothing else may start on it meanwhile
            conductor.instance_update(ctx, uuid, {"task_state": TaskState.SHELVING_OFFLOADING},
                                      expected_task_state=task_states,
                                      expected_vm_state=[vm_state])
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("not offloading %s: %s", uuid, exc)
            return False
        conductor.action_event_start(ctx, uuid, OFFLOAD_EVENT, host=host.name)
        try:
            volumes.hand_over(host, ctx, uuid)
            host.driver.destroy(uuid)
        except Exception as exc:  # noqa: BLE001 - stays SHELVED here, on this host
            _reconnect(host, ctx, uuid)
            LOG.warning("offloading %s failed: %s", uuid, exc)
            _fail(host, ctx, uuid, OFFLOAD_EVENT, exc, {"task_state": None},
                  [TaskState.SHELVING_OFFLOADING])
            return False
        conductor.instance_update(
            ctx, uuid, {"vm_state": VmState.SHELVED_OFFLOADED, "task_state": None,
                        "host": None, "node": None, "power_state": PowerState.SHUTDOWN},
            expected_task_state=[TaskState.SHELVING_OFFLOADING])
        _release(host, ctx, uuid)
        conductor.action_event_finish(ctx, uuid, OFFLOAD_EVENT, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s offloaded from %s", uuid, host.name)
        return True


def unshelve_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                      selection: Selection | None, image_id: str | None = None) -> bool:
    """``image_id``: the shelve's snapshot, deleted once the server runs."""
    if selection is None:       # still SHELVED here: power it on
        done = run_guest_operation(host, ctx, instance_uuid, UNSHELVE_EVENT,
                                   [TaskState.UNSHELVING],
                                   lambda: host.driver.power_on(instance_uuid),
                                   VmState.ACTIVE)
    else:
        done = _unshelve_here(host, ctx, instance_uuid, selection, image_id)
    if done and image_id is not None:
        snapshot.delete_image(host, ctx, image_id)
    return done


def _unshelve_here(host: Host, ctx: RequestContext, instance_uuid: str,
                   selection: Selection, image_id: str | None) -> bool:
    conductor = host.conductor
    with host.locks.hold(instance_uuid):
        conductor.action_event_start(ctx, instance_uuid, UNSHELVE_EVENT, host=host.name)
        try:
            conductor.instance_update(
                ctx, instance_uuid, {"task_state": TaskState.SPAWNING, "host": host.name,
                                     "node": selection.nodename},
                expected_task_state=[TaskState.UNSHELVING])
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("not unshelving %s: %s", instance_uuid, exc)
            _release(host, ctx, instance_uuid)
            return False
        try:
            volumes.take_over(host, ctx, instance_uuid)
            power_state = host.driver.spawn(instance_uuid, selection.nodename,
                                            disk_image=image_id)
        except Exception as exc:  # noqa: BLE001 - back to SHELVED_OFFLOADED, claim freed
            LOG.warning("unshelving %s on %s failed: %s", instance_uuid, host.name, exc)
            _disconnect(host, ctx, instance_uuid)
            _release(host, ctx, instance_uuid)
            _fail(host, ctx, instance_uuid, UNSHELVE_EVENT, exc,
                  {"task_state": None, "host": None, "node": None},
                  [TaskState.SPAWNING])
            return False
        conductor.instance_update(
            ctx, instance_uuid, {"vm_state": VmState.ACTIVE, "task_state": None,
                                 "power_state": power_state, "launched_on": host.name,
                                 "launched_at": utcnow().isoformat()},
            expected_task_state=[TaskState.SPAWNING])
        conductor.action_event_finish(ctx, instance_uuid, UNSHELVE_EVENT, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s unshelved on %s", instance_uuid, host.name)
        return True


def _reconnect(host: Host, ctx: RequestContext, uuid: str) -> None:
    """A failed offload: the volumes it let go of are connected here again."""
    try:
        volumes.take_over(host, ctx, uuid)
    except Exception:  # noqa: BLE001 - logged; the volumes stay reserved
        LOG.exception("could not connect the volumes of %s again", uuid)


def _disconnect(host: Host, ctx: RequestContext, uuid: str) -> None:
    """A failed unshelve: the volumes go back to being reserved."""
    try:
        volumes.hand_over(host, ctx, uuid)
    except Exception:  # noqa: BLE001 - logged; the next unshelve connects what is reserved
        LOG.exception("could not let go of the volumes of %s", uuid)


def offload_shelved(host: Host, ctx: RequestContext, older_than: float) -> int:
    """The periodic offload: this host's SHELVED instances idle for over
    ``older_than`` seconds (``shelved_offload_time`` > 0)."""
    uuids = host.conductor.instances_idle_in_state(ctx, host.name, VmState.SHELVED,
                                                   older_than, limit=OFFLOAD_BATCH)
    return sum(1 for uuid in uuids if _offload(host, ctx, uuid, [None], VmState.SHELVED))


def _fail(host: Host, ctx: RequestContext, uuid: str, event: str, exc: Exception,
          values: dict, task_states: list) -> None:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    try:
        host.conductor.instance_update(ctx, uuid, values, expected_task_state=task_states,
                                       fault=fault(500, text, host=host.name))
    except (InstanceNotFound, UnexpectedTaskState):
        pass
    host.conductor.action_event_finish(ctx, uuid, event, host=host.name, error=text)


def _release(host: Host, ctx: RequestContext, uuid: str) -> None:
    try:
        host.placement.delete_allocations(uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001 - left for an audit
        LOG.exception("could not remove the allocations of %s", uuid)
