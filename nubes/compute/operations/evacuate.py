"""Evacuation on the hosts.

* ``evacuate_instance`` (the destination; task ``rebuilding``, the
  migration's uuid already holding the dead source's allocation and the
  instance's the destination's): the guest is built again here, the row
  moves (host, node), vm_state active — or stopped when the API asked for
  it (2.95 ``targetState``) — and the migration is ``done``.  A failure
  gives the source's allocation back to the instance (its claim here goes
  with it): the server stays on its dead host, with a fault.
* ``resume_rebuild`` (the destination, when it starts again after it
  stopped mid-rebuild): the evacuation fails as above (or, when the row
  had moved, only its ``done`` is written);
* ``destroy_evacuated`` (the source, when it starts again): for each
  evacuation away from it, the local guest goes and so does the
  allocation its migration holds here; the migration is ``completed``.
"""
from __future__ import annotations

import logging
import traceback

from nubes.common.context import RequestContext
from nubes.compute.operations import Host, volumes
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.conductor.cell.messages import (
    InstanceNotFound,
    InstanceRecord,
    MigrationNotFound,
    MigrationRecord,
    UnexpectedTaskState,
    fault,
)
from nubes.scheduler.messages import Selection

LOG = logging.getLogger(__name__)
EVENT = "compute_rebuild_instance"
MIGRATION_CONSUMER = "MIGRATION"


def evacuate_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                      migration_uuid: str, selection: Selection,
                      target_state: str | None) -> bool:
    conductor = host.conductor
    with host.locks.hold(instance_uuid):
        try:        # taken up; a cast after the stuck-task check rolled it back: dropped
            conductor.migration_update(ctx, migration_uuid, {"status": "migrating"},
                                       expected_status=["pre-migrating"])
        except MigrationNotFound:
            LOG.info("the evacuation of %s is over or under way already: the cast is "
                     "dropped", instance_uuid)
            return False
        conductor.action_event_start(ctx, instance_uuid, EVENT, host=host.name)
        try:
            # The dead host cannot let go of the volumes: this one takes
            # them over (fresh attachments, the old ones deleted).
            volumes.hand_over(host, ctx, instance_uuid, detach=False)
            volumes.take_over(host, ctx, instance_uuid)
            power = host.driver.spawn(instance_uuid, selection.nodename)
            stopped = target_state == VmState.STOPPED
            if stopped:
                power = host.driver.power_off(instance_uuid)
            conductor.instance_update(
                ctx, instance_uuid,
                {"host": host.name, "node": selection.nodename, "launched_on": host.name,
                 "vm_state": VmState.STOPPED if stopped else VmState.ACTIVE,
                 "task_state": None, "power_state": power},
                expected_task_state=[TaskState.REBUILDING])
            conductor.migration_update(ctx, migration_uuid, {"status": "done"})
        except Exception as exc:  # noqa: BLE001 - the server stays on its dead host
            LOG.warning("evacuating %s to %s failed: %s", instance_uuid, host.name, exc)
            _give_back(host, ctx, instance_uuid, migration_uuid, exc)
            return False
        conductor.action_event_finish(ctx, instance_uuid, EVENT, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s evacuated to %s", instance_uuid, host.name)
        return True


def _give_back(host: Host, ctx: RequestContext, uuid: str, migration_uuid: str,
               exc: Exception) -> None:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    try:
        volumes.hand_over(host, ctx, uuid)
        host.driver.destroy(uuid)
        # (within a shared storage pool the instance's allocation there stays)
        host.placement.move_allocations(migration_uuid, uuid, source_type=MIGRATION_CONSUMER,
                                        keep_shared=True, request_id=ctx.request_id)
        host.conductor.migration_update(ctx, migration_uuid, {"status": "failed"})
        host.conductor.instance_update(ctx, uuid, {"task_state": None},
                                       expected_task_state=[TaskState.REBUILDING],
                                       fault=fault(500, text, host=host.name))
    except (InstanceNotFound, UnexpectedTaskState):
        pass
    except Exception:  # noqa: BLE001 - logged; the placement audit finds the rest
        LOG.exception("could not undo the evacuation of %s", uuid)
    host.conductor.action_event_finish(ctx, uuid, EVENT, host=host.name, error=text)


class RebuildInterrupted(Exception):
    """The destination stopped while it rebuilt an evacuated server."""


def resume_rebuild(host: Host, ctx: RequestContext, instance: InstanceRecord,
                   migration: MigrationRecord) -> bool:
    """At start, on the destination of an evacuation it was rebuilding
    (migration ``migrating``) when it stopped.

    * The row had moved here (task cleared): only ``done`` was lost; it is
      written now, the guest comes back with the reconcile and the old
      host drops its own and the migration's allocation when it starts.
    * Still ``rebuilding`` on the old host: the evacuation fails as when
      the rebuild fails (:func:`_give_back`): what was made here goes (the
      guest, the volumes' connections), the migration's allocation on the
      old host becomes the instance's again in one ``POST /allocations``
      (this host's claim freed), migration ``failed``, task cleared with a
      fault.  The server is on its old host as before the evacuation (an
      admin evacuates it again while that host is down; if it came back
      meanwhile, its own reconcile brought the guest back there).  Not
      finished here: the 2.95 target state was the lost cast's, and an old
      host that started again meanwhile would not clean up after it.

    False when the server is in neither step (a cast kept by the broker
    may still come: it finds the migration no longer ``pre-migrating``)."""
    uuid = instance.uuid
    if migration.dest_compute != host.name:
        return False
    if instance.host == host.name and instance.task_state is None:
        try:
            host.conductor.migration_update(ctx, migration.uuid, {"status": "done"},
                                            expected_status=["migrating"])
        except MigrationNotFound:
            return False
        return True
    # (task cleared too: the stuck-task check put it in ERROR meanwhile)
    if instance.task_state not in (TaskState.REBUILDING, None) or \
            instance.host != migration.source_compute:
        return False
    LOG.warning("host %s stopped while it rebuilt the evacuated %s: the evacuation fails",
                host.name, uuid)
    with host.locks.hold(uuid):
        _give_back(host, ctx, uuid, migration.uuid, RebuildInterrupted(
            f"Host {host.name} stopped while it rebuilt the server; the evacuation "
            "failed and the server stays on its old host"))
    return True


def destroy_evacuated(host: Host, ctx: RequestContext) -> int:
    """Clean up after the evacuations away from this host; how many."""
    done = 0
    for migration in host.conductor.migrations_evacuated_from(ctx, host.name):
        uuid = migration.instance_uuid
        with host.locks.hold(uuid):
            try:
                back_here = host.conductor.instance_get(ctx, uuid).host == host.name
            except InstanceNotFound:
                back_here = False
            # An instance evacuated back here since keeps its (new) guest.
            if not back_here and host.driver.power_state(uuid) != PowerState.NOSTATE:
                LOG.info("destroying %s: it was evacuated to %s", uuid,
                         migration.dest_compute)
                host.driver.destroy(uuid)
            host.placement.delete_allocations(migration.uuid, request_id=ctx.request_id)
            host.conductor.migration_update(ctx, migration.uuid, {"status": "completed"})
        done += 1
    return done
