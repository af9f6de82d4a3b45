"""Resize and cold migration on the hosts (after the super-conductor
recorded the migration, gave the source's allocation to the migration's
uuid and claimed the destination for the instance's):

* ``resize_instance`` (source; task ``resize_prep``): the migration goes
  ``pre-migrating`` → ``migrating`` first, conditionally (a cast arriving
  after the stuck-task check rolled the move back changes nothing); the
  driver powers the guest off and hands over its disk (``migrate_disk_and_power_off``; the
  source keeps it until the move is confirmed), migration
  ``migrating`` → ``post-migrating``, task ``resize_migrated``; then
  ``finish_resize`` is cast to the destination with what the driver handed
  over;
* ``finish_resize`` (destination): the driver makes the guest on the
  destination node from it with the new flavor (``finish_migration``;
  left off if the server was stopped),
  the row moves (host, node, flavor columns), VERIFY_RESIZE (vm_state
  ``resized``), migration ``finished``;
* ``confirm_resize`` (source; the API set the migration ``confirming``): the
  old guest goes (``confirm_migration``) and so does the migration's
  allocation on the source; vm_state active (or stopped), migration
  ``confirmed``;
* ``revert_resize`` (destination; task ``resize_reverting``): the new guest
  goes, then ``finish_revert_resize`` (source): in one placement
  transaction the migration's allocation becomes the instance's again (its
  destination claim goes with it; within a shared storage pool its
  allocation on the pool stays, back to the old flavor's disk), the row
  moves back with its old flavor, the guest runs again where it was
  (``finish_revert_migration``),
  migration ``reverted``.

A failure before the destination has the server hands it back the same
way (migration ``error``, a fault, the event with Error): the server is on
its source, as it was, and placement exactly as before the move.  So does
a source that stopped in the middle of handing over, when it starts again
(:func:`roll_back_interrupted`, from the host's start-up reconcile).
"""
from __future__ import annotations

import json
import logging
import traceback

from nubes.common.context import RequestContext
from nubes.common.flavor_disk import DISK_GB, columns_disk_gb
from nubes.compute.operations import Host, volumes
from nubes.compute.states import PowerState, TaskState, VmState
from nubes.conductor.cell.messages import (
    InstanceNotFound,
    InstanceRecord,
    MigrationNotFound,
    MigrationRecord,
    UnexpectedTaskState,
)
from nubes.scheduler.messages import Selection

LOG = logging.getLogger(__name__)
MIGRATION_CONSUMER = "MIGRATION"
CONFIRM_BATCH = 50


def resize_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                    migration_uuid: str, selection: Selection, old_vm_state: str) -> bool:
    event, conductor = "compute_resize_instance", host.conductor
    with host.locks.hold(instance_uuid):
        if not _taken_up(host, ctx, instance_uuid, migration_uuid):
            return False
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        try:
            conductor.instance_update(ctx, instance_uuid,
                                      {"task_state": TaskState.RESIZE_MIGRATING},
                                      expected_task_state=[TaskState.RESIZE_PREP])
            migration = conductor.migration_get(ctx, migration_uuid)
            disk_info = host.driver.migrate_disk_and_power_off(instance_uuid,
                                                               migration.dest_compute)
            volumes.hand_over(host, ctx, instance_uuid)
            conductor.migration_update(ctx, migration_uuid, {"status": "post-migrating"})
            conductor.instance_update(ctx, instance_uuid,
                                      {"task_state": TaskState.RESIZE_MIGRATED},
                                      expected_task_state=[TaskState.RESIZE_MIGRATING])
        except Exception as exc:  # noqa: BLE001 - back on the source, as it was
            LOG.warning("resize of %s failed on its source %s: %s", instance_uuid,
                        host.name, exc)
            _undo(host, ctx, instance_uuid, migration_uuid, event, exc,
                  [TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING], old_vm_state)
            return False
        conductor.action_event_finish(ctx, instance_uuid, event, host=host.name)
    host.peers.finish_resize(ctx, selection.service_host, instance_uuid,
                             migration_uuid=migration_uuid, selection=selection,
                             old_vm_state=old_vm_state, disk_info=disk_info).send()
    return True


def _taken_up(host: Host, ctx: RequestContext, uuid: str, migration_uuid: str) -> bool:
    """The source takes the move up: its migration ``pre-migrating`` →
    ``migrating``, conditionally.  False (nothing done, nothing changed)
    for a cast that comes too late: the stuck-task check rolled the move
    back meanwhile (:mod:`nubes.conductor.cell.stuck_moves`), or the
    server was deleted."""
    try:
        host.conductor.migration_update(ctx, migration_uuid, {"status": "migrating"},
                                        expected_status=["pre-migrating"])
    except MigrationNotFound:
        LOG.info("the move of %s is over or under way already (migration %s): the "
                 "resize_instance cast is dropped", uuid, migration_uuid)
        return False
    return True


def finish_resize(host: Host, ctx: RequestContext, *, instance_uuid: str,
                  migration_uuid: str, selection: Selection, old_vm_state: str,
                  disk_info: dict | None = None) -> bool:
    event, conductor = "compute_finish_resize", host.conductor
    with host.locks.hold(instance_uuid):
        migration = _finish_taken_up(host, ctx, instance_uuid, migration_uuid,
                                     selection.nodename)
        if migration is None:
            return False
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        spawned = False
        try:
            volumes.take_over(host, ctx, instance_uuid)
            new_flavor = json.loads(migration.new_flavor)
            power = host.driver.finish_migration(instance_uuid, selection.nodename,
                                                 disk_info or {}, new_flavor,
                                                 old_vm_state != VmState.STOPPED)
            spawned = True
            conductor.instance_update(
                ctx, instance_uuid, {**new_flavor,
                                     "vm_state": VmState.RESIZED, "task_state": None,
                                     "power_state": power},
                expected_task_state=[TaskState.RESIZE_FINISH])
            conductor.migration_update(ctx, migration_uuid, {"status": "finished"})
        except Exception as exc:  # noqa: BLE001 - the source takes it back
            LOG.warning("finishing the resize of %s on %s failed: %s", instance_uuid,
                        host.name, exc)
            if spawned and migration.source_compute != host.name:
                host.driver.destroy(instance_uuid)
            _let_go_of_volumes(host, ctx, instance_uuid)
            _fail_event(host, ctx, instance_uuid, event, exc)
            host.peers.finish_revert_resize(ctx, migration.source_compute, instance_uuid,
                                            migration_uuid=migration_uuid,
                                            failed=True).send()
            return False
        conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s moved to %s; waiting for confirmation", instance_uuid,
                 host.name)
        return True


def confirm_resize(host: Host, ctx: RequestContext, *, instance_uuid: str,
                   migration_uuid: str) -> bool:
    event, conductor = "compute_confirm_resize", host.conductor
    with host.locks.hold(instance_uuid):
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        try:
            migration = conductor.migration_get(ctx, migration_uuid)
            # (the same host keeps its guest, and drops what a revert needed)
            host.driver.confirm_migration(instance_uuid,
                                          same_host=migration.dest_compute == host.name)
            host.placement.delete_allocations(migration_uuid, request_id=ctx.request_id)
            instance = conductor.instance_get(ctx, instance_uuid)
            stopped = instance.power_state == PowerState.SHUTDOWN
            # The migration confirmed and the server out of VERIFY_RESIZE in
            # one transaction: a host that stops between the two leaves no
            # confirmed move on a server still waiting for its confirm.
            conductor.migration_update(
                ctx, migration_uuid, {"status": "confirmed"}, expected_status=["confirming"],
                instance_values={"vm_state": VmState.STOPPED if stopped else VmState.ACTIVE},
                expected_vm_state=[VmState.RESIZED])
        except (InstanceNotFound, MigrationNotFound, UnexpectedTaskState) as exc:
            LOG.info("confirming the move of %s: %s", instance_uuid, exc)
            _fail_event(host, ctx, instance_uuid, event, exc)
            return False
        conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                      finish_action=True)
        return True


def revert_resize(host: Host, ctx: RequestContext, *, instance_uuid: str,
                  migration_uuid: str) -> bool:
    event, conductor = "compute_revert_resize", host.conductor
    with host.locks.hold(instance_uuid):
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        migration = conductor.migration_get(ctx, migration_uuid)
        if migration.status != "reverting":     # a second cast after the revert
            LOG.info("the revert of %s is over (%s)", instance_uuid, migration.status)
            conductor.action_event_finish(ctx, instance_uuid, event, host=host.name)
            return False
        _let_go_of_volumes(host, ctx, instance_uuid)
        if migration.source_compute != host.name:
            host.driver.destroy(instance_uuid)
        conductor.action_event_finish(ctx, instance_uuid, event, host=host.name)
    host.peers.finish_revert_resize(ctx, migration.source_compute, instance_uuid,
                                    migration_uuid=migration_uuid).send()
    return True


def finish_revert_resize(host: Host, ctx: RequestContext, *, instance_uuid: str,
                         migration_uuid: str, failed: bool = False) -> bool:
    """``failed``: the destination could not finish the move (the server
    goes back as it was before, migration ``error``)."""
    event = "compute_finish_revert_resize"
    with host.locks.hold(instance_uuid):
        host.conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        try:
            instance = host.conductor.instance_get(ctx, instance_uuid)
            if failed:      # the row still has its vm_state from before the move
                running = instance.vm_state != VmState.STOPPED
            else:
                running = instance.power_state == PowerState.RUNNING
            migration = host.conductor.migration_get(ctx, migration_uuid)
            if migration.status in ("reverted", "error"):   # a second cast: done already
                LOG.info("the move of %s is over (%s); nothing to take back", instance_uuid,
                         migration.status)
                host.conductor.action_event_finish(ctx, instance_uuid, event, host=host.name)
                return False
            _move_back(host, ctx, instance_uuid, migration, running,
                       expected=[TaskState.RESIZE_REVERTING] if not failed else
                       [TaskState.RESIZE_FINISH, TaskState.RESIZE_MIGRATED],
                       status="error" if failed else "reverted")
        except (InstanceNotFound, MigrationNotFound, UnexpectedTaskState) as exc:
            if not _deleted_meanwhile(host, ctx, instance_uuid, migration_uuid):
                raise
            _fail_event(host, ctx, instance_uuid, event, exc)
            return False
        host.conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                           finish_action=True)
        return True


def _deleted_meanwhile(host: Host, ctx: RequestContext, uuid: str,
                       migration_uuid: str) -> bool:
    """The server was deleted while it came back here: what the way back
    made here goes again (the guest, the allocation handed back to the
    instance, the migration's); True when that was the case."""
    try:
        now = host.conductor.instance_get(ctx, uuid)
    except InstanceNotFound:
        now = None
    if now is not None and not now.deleted and now.task_state != TaskState.DELETING:
        return False
    LOG.info("%s was deleted while it moved back to %s; removing what it left here",
             uuid, host.name)
    host.driver.destroy(uuid)
    for consumer in (migration_uuid, uuid):
        try:
            host.placement.delete_allocations(consumer, request_id=ctx.request_id)
        except Exception:  # noqa: BLE001 - logged; the placement audit finds it
            LOG.exception("could not remove the allocations of %s", consumer)
    return True


def _move_back(host: Host, ctx: RequestContext, uuid: str, migration: MigrationRecord,
               running: bool, *, expected: list, status: str) -> None:
    """The server on its source again: allocation, guest, row, migration.
    Within a shared storage pool the instance kept its allocation on the
    pool: it goes back to the old flavor's disk."""
    old, new = json.loads(migration.old_flavor), json.loads(migration.new_flavor)
    host.placement.move_allocations(
        migration.uuid, uuid, source_type=MIGRATION_CONSUMER, keep_shared=True,
        shared_delta={DISK_GB: columns_disk_gb(old) - columns_disk_gb(new)},
        request_id=ctx.request_id)
    volumes.take_over(host, ctx, uuid)
    power = host.driver.finish_revert_migration(uuid, migration.source_node, old, running)
    host.conductor.instance_update(
        ctx, uuid, {**old, "host": host.name,
                    "node": migration.source_node, "task_state": None,
                    "vm_state": VmState.ACTIVE if running else VmState.STOPPED,
                    "power_state": power},
        expected_task_state=expected)
    host.conductor.migration_update(ctx, migration.uuid, {"status": status})


def _undo(host: Host, ctx: RequestContext, uuid: str, migration_uuid: str, event: str,
          exc: Exception, task_states: list, old_vm_state: str) -> None:
    """A move that failed on its source: everything as before it."""
    try:
        migration = host.conductor.migration_get(ctx, migration_uuid)
        _move_back(host, ctx, uuid, migration, old_vm_state != VmState.STOPPED,
                   expected=task_states, status="error")
        host.conductor.instance_fault_create(ctx, uuid, code=500, message=_text(exc),
                                             host=host.name)
    except Exception:  # noqa: BLE001 - logged; the audit finds what is left
        LOG.exception("could not put %s back as it was", uuid)
    _fail_event(host, ctx, uuid, event, exc)


def _let_go_of_volumes(host: Host, ctx: RequestContext, uuid: str) -> None:
    """The server leaves this host (a revert, or a destination that
    failed): its volumes go back to being reserved for the other one."""
    try:
        volumes.hand_over(host, ctx, uuid)
    except Exception:  # noqa: BLE001 - logged; the other host connects what it can
        LOG.exception("could not let go of the volumes of %s on %s", uuid, host.name)


def _fail_event(host: Host, ctx: RequestContext, uuid: str, event: str,
                exc: Exception) -> None:
    host.conductor.action_event_finish(ctx, uuid, event, host=host.name, error=_text(exc))


def _text(exc: Exception) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class MoveInterrupted(Exception):
    """The source host stopped while it handed the server over."""


def roll_back_interrupted(host: Host, ctx: RequestContext, uuid: str, vm_state: str) -> bool:
    """At start, for a server this host was moving away (task
    ``resize_migrating``: the driver was handing its disk over) when the
    host stopped.  The cast that started it is gone with the host and
    nothing reached the destination, so the move is undone as a failure on
    the source is: the server as before it (guest, flavor, allocation back
    from the migration's uuid, the destination's claim freed), migration
    ``error``, a fault.  False when there is no such move to undo."""
    migration = host.conductor.migration_cold_in_progress(ctx, uuid, host.name)
    if migration is None:
        LOG.warning("%s is in task resize_migrating on %s but no move from here is under "
                    "way; left to the stuck-task check", uuid, host.name)
        return False
    LOG.warning("host %s stopped while it moved %s away: rolling the move back", host.name,
                uuid)
    _undo(host, ctx, uuid, migration.uuid, "compute_resize_instance", MoveInterrupted(
        f"Host {host.name} stopped while the server was moving away from it; the move "
        "was rolled back"), [TaskState.RESIZE_MIGRATING], vm_state)
    return True


def _finish_taken_up(host: Host, ctx: RequestContext, uuid: str, migration_uuid: str,
                     node: str) -> MigrationRecord | None:
    """The destination takes the finishing step up: the migration must be
    ``post-migrating`` and the task goes ``resize_migrated`` →
    ``resize_finish`` (with this host and node), conditionally.  None —
    nothing done, nothing changed: no volume touched, no guest made, no
    allocation moved — for a cast that is not this step's: a second copy
    after the move finished, one the broker kept while this host was down
    and its start-up reconcile rolled the move back
    (:func:`roll_back_unfinished` sets ``resize_finish`` first), or one
    for a server deleted or rolled back meanwhile."""
    try:
        migration = host.conductor.migration_get(ctx, migration_uuid)
        if migration.status != "post-migrating":
            raise MigrationNotFound(f"migration {migration_uuid} is {migration.status}")
        host.conductor.instance_update(
            ctx, uuid, {"task_state": TaskState.RESIZE_FINISH, "host": host.name,
                        "node": node}, expected_task_state=[TaskState.RESIZE_MIGRATED])
    except (MigrationNotFound, InstanceNotFound, UnexpectedTaskState) as exc:
        LOG.info("finish_resize of %s on %s dropped (the move is not waiting for it: %s)",
                 uuid, host.name, exc)
        return None
    return migration


def roll_back_unfinished(host: Host, ctx: RequestContext, uuid: str,
                         migration: MigrationRecord) -> bool:
    """At start, on the destination of a resize or cold migration the
    source handed over (migration ``post-migrating``) but that this host
    had not finished (task ``resize_migrated``: the ``finish_resize`` cast
    lost with the host; ``resize_finish``: the host stopped while making
    the guest).  The source still has the server's disk, so the move goes
    back as when finishing fails: the guest made here goes, the volumes are
    let go of, and the source takes the server back (its allocation from
    the migration's uuid, this host's claim freed, migration ``error``, a
    fault).  False when the server is no longer in such a step."""
    event = "compute_finish_resize"
    with host.locks.hold(uuid):
        try:        # the claim: a finish_resize cast arriving later is dropped
            host.conductor.instance_update(
                ctx, uuid, {"task_state": TaskState.RESIZE_FINISH},
                expected_task_state=[TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH])
        except (InstanceNotFound, UnexpectedTaskState):
            return False
        LOG.warning("host %s stopped before it finished moving %s here: rolling the move "
                    "back", host.name, uuid)
        host.conductor.action_event_start(ctx, uuid, event, host=host.name)
        if migration.source_compute != host.name:
            host.driver.destroy(uuid)
        _let_go_of_volumes(host, ctx, uuid)
        exc = MoveInterrupted(f"Host {host.name} stopped before it finished the move of the "
                              "server to it; the move was rolled back")
        host.conductor.instance_fault_create(ctx, uuid, code=500, message=_text(exc),
                                             host=host.name)
        _fail_event(host, ctx, uuid, event, exc)
    host.peers.finish_revert_resize(ctx, migration.source_compute, uuid,
                                    migration_uuid=migration.uuid, failed=True).send()
    return True


def resume_revert(host: Host, ctx: RequestContext, instance: InstanceRecord,
                  migration: MigrationRecord) -> bool:
    """At start, for a revert (migration ``reverting``) this host had a
    part in.  On the destination (the server still on it) the revert runs
    again: the guest here goes and the source is told to take the server
    back.  On the source the destination is told again (dropping a guest it
    already dropped changes nothing), and the source's
    ``finish_revert_resize`` — which may have stopped half-way: placement's
    hand-back is skipped when already done — follows.  A source that had
    already moved the row back only records the migration ``reverted``."""
    if instance.host == host.name and instance.task_state == TaskState.RESIZE_REVERTING:
        return revert_resize(host, ctx, instance_uuid=instance.uuid,
                             migration_uuid=migration.uuid)
    if migration.source_compute != host.name:
        return False
    if instance.task_state == TaskState.RESIZE_REVERTING:
        host.peers.revert_resize(ctx, migration.dest_compute, instance.uuid,
                                 migration_uuid=migration.uuid).send()
        return True
    if instance.task_state is None and instance.host == host.name:
        host.conductor.migration_update(ctx, migration.uuid, {"status": "reverted"},
                                        expected_status=["reverting"])
        return True
    return False


def confirm_due(host: Host, ctx: RequestContext, window: float) -> int:
    """The periodic auto-confirm (``resize_confirm_window``): this host's
    finished moves waiting for longer than ``window`` seconds are confirmed
    (migration ``confirming``, then the source cleans up)."""
    done = 0
    for migration in host.conductor.migrations_unconfirmed(ctx, host.name, window,
                                                           limit=CONFIRM_BATCH):
        try:
            host.conductor.migration_update(ctx, migration.uuid, {"status": "confirming"},
                                            expected_status=["finished"])
        except MigrationNotFound:
            continue
        LOG.info("confirming the move of %s (waited over %ss)", migration.instance_uuid,
                 window)
        host.peers.confirm_resize(ctx, migration.source_compute, migration.instance_uuid,
                                  migration_uuid=migration.uuid).send()
        done += 1
    return done
