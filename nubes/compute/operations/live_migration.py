"""Live migration on the hosts (after the super-conductor recorded the
migration, gave the source's allocation to the migration's uuid and
claimed the destination for the instance's; task ``migrating``):

* ``live_migrate_instance`` (source): migration ``preparing`` →
  ``running``, conditionally (a cast arriving after the stuck-task check
  rolled the move back changes nothing); the guest's
  memory is copied over the driver's time, the progress written to the
  migration as it goes (``memory_total/processed/remaining``); then
  migration ``post-migrating``, the source guest and the migration's
  allocation go, and ``post_live_migration_at_destination`` is cast;
* ``post_live_migration_at_destination``: the guest runs there (paused if
  it was), the row moves (host, node), task cleared, migration
  ``completed``;
* ``live_migration_force_complete`` / ``live_migration_abort`` (source):
  end the copy at once, or cancel it — a cancelled or failed migration
  gives the source's allocation back to the instance (its destination claim
  goes with it) and leaves the server running where it was.
"""
from __future__ import annotations

import logging
import threading
import time
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
EVENT = "compute_live_migration"
MIGRATION_CONSUMER = "MIGRATION"
TICK = 0.1                  # seconds between two looks at the controls
REPORT_EVERY = 0.5          # seconds between two progress writes


class Controls:
    """What an admin asked of the live migrations running on a host."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: dict[str, str] = {}       # migration uuid -> "complete" | "abort"
        self._running: set[str] = set()

    def start(self, migration_uuid: str) -> None:
        with self._lock:
            self._running.add(migration_uuid)

    def end(self, migration_uuid: str) -> None:
        with self._lock:
            self._running.discard(migration_uuid)
            self._asked.pop(migration_uuid, None)

    def ask(self, migration_uuid: str, what: str) -> bool:
        """False when no such migration runs here."""
        with self._lock:
            if migration_uuid not in self._running:
                return False
            self._asked[migration_uuid] = what
            return True

    def asked(self, migration_uuid: str) -> str | None:
        with self._lock:
            return self._asked.get(migration_uuid)


def live_migrate_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                          migration_uuid: str, selection: Selection) -> str:
    """``completed``, ``cancelled``, ``failed`` or ``dropped`` (the
    migration was no longer ``preparing``: a late cast)."""
    conductor, controls = host.conductor, host.live_controls
    controls.start(migration_uuid)
    try:
        with host.locks.hold(instance_uuid):
            try:        # taken up; a cast after the stuck-task check rolled it back: dropped
                conductor.migration_update(ctx, migration_uuid, {"status": "running"},
                                           expected_status=["preparing"])
            except MigrationNotFound:
                LOG.info("the live migration of %s is over or under way already: the cast "
                         "is dropped", instance_uuid)
                return "dropped"
            conductor.action_event_start(ctx, instance_uuid, EVENT, host=host.name)
            try:
                instance = conductor.instance_get(ctx, instance_uuid)
                outcome = _copy(host, ctx, instance_uuid, migration_uuid,
                                (instance.memory_mb or 0) * 1024 * 1024)
                if outcome == "abort":
                    _give_back(host, ctx, instance_uuid, migration_uuid, "cancelled", None)
                    return "cancelled"
                conductor.migration_update(ctx, migration_uuid, {"status": "post-migrating"})
                volumes.hand_over(host, ctx, instance_uuid)
                host.driver.destroy(instance_uuid)
                host.placement.delete_allocations(migration_uuid, request_id=ctx.request_id)
            except Exception as exc:  # noqa: BLE001 - back to running where it was
                LOG.warning("live migration of %s failed: %s", instance_uuid, exc)
                _give_back(host, ctx, instance_uuid, migration_uuid, "error", exc)
                return "failed"
            conductor.action_event_finish(ctx, instance_uuid, EVENT, host=host.name)
    finally:
        controls.end(migration_uuid)
    host.peers.post_live_migration_at_destination(
        ctx, selection.service_host, instance_uuid, migration_uuid=migration_uuid,
        selection=selection, paused=instance.vm_state == VmState.PAUSED).send()
    return "completed"


def _copy(host: Host, ctx: RequestContext, uuid: str, migration_uuid: str,
          total: int) -> str:
    """Copy the memory over the driver's time; ``done`` or ``abort``."""
    seconds = host.driver.live_migration_time(uuid)
    started = last_report = time.monotonic()
    while True:
        asked = host.live_controls.asked(migration_uuid)
        if asked == "abort":
            return "abort"
        elapsed = time.monotonic() - started
        finished = asked == "complete" or elapsed >= seconds
        done = total if finished else int(total * elapsed / seconds)
        if finished or time.monotonic() - last_report >= REPORT_EVERY:
            host.conductor.migration_update(ctx, migration_uuid, {
                "memory_total": total, "memory_processed": done,
                "memory_remaining": total - done, "disk_total": 0, "disk_processed": 0,
                "disk_remaining": 0})
            last_report = time.monotonic()
        if finished:
            return "done"
        time.sleep(min(TICK, max(seconds - elapsed, 0.0)))


def _give_back(host: Host, ctx: RequestContext, uuid: str, migration_uuid: str,
               status: str, exc: Exception | None) -> None:
    text = None if exc is None else "".join(
        traceback.format_exception_only(type(exc), exc)).strip()
    try:
        volumes.take_over(host, ctx, uuid)      # what a failed hand-over let go of
        # (within a shared storage pool the instance's allocation there stays)
        host.placement.move_allocations(migration_uuid, uuid, source_type=MIGRATION_CONSUMER,
                                        keep_shared=True, request_id=ctx.request_id)
        host.conductor.migration_update(ctx, migration_uuid, {"status": status})
        host.conductor.instance_update(
            ctx, uuid, {"task_state": None}, expected_task_state=[TaskState.MIGRATING],
            fault=None if text is None else fault(500, text, host=host.name))
    except (InstanceNotFound, UnexpectedTaskState):
        pass
    except Exception:  # noqa: BLE001 - logged; the placement audit finds the rest
        LOG.exception("could not undo the live migration of %s", uuid)
    host.conductor.action_event_finish(ctx, uuid, EVENT, host=host.name, error=text,
                                       finish_action=exc is None)


def post_live_migration_at_destination(host: Host, ctx: RequestContext, *,
                                       instance_uuid: str, migration_uuid: str,
                                       selection: Selection, paused: bool) -> bool:
    event, conductor = "compute_post_live_migration_at_destination", host.conductor
    with host.locks.hold(instance_uuid):
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        status = conductor.migration_get(ctx, migration_uuid).status
        if status != "post-migrating":      # a second cast: done already
            LOG.info("the live migration of %s is over (%s)", instance_uuid, status)
            conductor.action_event_finish(ctx, instance_uuid, event, host=host.name)
            return False
        try:
            volumes.take_over(host, ctx, instance_uuid)
            power = host.driver.spawn(instance_uuid, selection.nodename)
            if paused:
                power = host.driver.pause(instance_uuid)
            conductor.instance_update(
                ctx, instance_uuid,
                {"host": host.name, "node": selection.nodename, "launched_on": host.name,
                 "task_state": None, "power_state": power,
                 "vm_state": VmState.PAUSED if paused else VmState.ACTIVE},
                expected_task_state=[TaskState.MIGRATING])
            conductor.migration_update(ctx, migration_uuid, {"status": "completed"})
        except Exception as exc:  # noqa: BLE001 - the guest left its source: ERROR here
            LOG.exception("finishing the live migration of %s on %s", instance_uuid,
                          host.name)
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            try:
                conductor.instance_update(
                    ctx, instance_uuid, {"vm_state": VmState.ERROR, "task_state": None,
                                         "host": host.name, "node": selection.nodename,
                                         "power_state": PowerState.NOSTATE})
                conductor.migration_update(ctx, migration_uuid, {"status": "error"})
            except (InstanceNotFound, UnexpectedTaskState):
                pass
            conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                          error=text)
            return False
        conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s live-migrated to %s", instance_uuid, host.name)
        return True


def force_complete(host: Host, ctx: RequestContext, *, migration_uuid: str) -> bool:
    return host.live_controls.ask(migration_uuid, "complete")


def abort(host: Host, ctx: RequestContext, *, migration_uuid: str) -> bool:
    return host.live_controls.ask(migration_uuid, "abort")


class MoveInterrupted(Exception):
    """A host stopped in the middle of a live migration."""


def roll_back_interrupted(host: Host, ctx: RequestContext, uuid: str,
                          migration_uuid: str) -> bool:
    """At start, on the source of a live migration that was copying
    (migration ``running``) when this host stopped: the copy is gone with
    the host, so the migration fails as when the copy fails — the server
    stays here (its guest brought back by the reconcile), its allocation
    back from the migration's uuid, the destination's claim freed,
    migration ``error``, a fault."""
    with host.locks.hold(uuid):     # (a copy under way holds it throughout)
        if host.conductor.migration_get(ctx, migration_uuid).status != "running":
            return False        # a cast kept by the broker ran it meanwhile
        LOG.warning("host %s stopped while it live-migrated %s away: rolling it back",
                    host.name, uuid)
        _give_back(host, ctx, uuid, migration_uuid, "error", MoveInterrupted(
            f"Host {host.name} stopped during the live migration; the server stays on it"))
    return True


def resume_post_migrating(host: Host, ctx: RequestContext, instance: InstanceRecord,
                          migration: MigrationRecord) -> bool:
    """At start, for a live migration whose copy had ended (migration
    ``post-migrating``, task ``migrating``): the guest's memory is on the
    destination, so the move goes forward.  The source does again what it
    does after the copy (lets go of the volumes, drops its guest and the
    migration's allocation; each changes nothing when done already) and
    tells the destination again; the destination finishes the move itself
    (a second cast is then dropped)."""
    uuid = instance.uuid
    if instance.task_state != TaskState.MIGRATING:
        return False
    selection = Selection(service_host=migration.dest_compute or "",
                          nodename=migration.dest_node or "", cell_uuid="",
                          compute_node_uuid="", allocation_request="",
                          allocation_request_version="")
    paused = instance.vm_state == VmState.PAUSED
    if migration.dest_compute == host.name:
        LOG.warning("host %s stopped before it finished the live migration of %s: "
                    "finishing it", host.name, uuid)
        return post_live_migration_at_destination(
            host, ctx, instance_uuid=uuid, migration_uuid=migration.uuid,
            selection=selection, paused=paused)
    with host.locks.hold(uuid):
        LOG.warning("host %s stopped after live-migrating %s away: finishing the move",
                    host.name, uuid)
        volumes.hand_over(host, ctx, uuid)
        host.driver.destroy(uuid)
        host.placement.delete_allocations(migration.uuid, request_id=ctx.request_id)
        host.conductor.action_event_finish(ctx, uuid, EVENT, host=host.name)
    host.peers.post_live_migration_at_destination(
        ctx, migration.dest_compute, uuid, migration_uuid=migration.uuid,
        selection=selection, paused=paused).send()
    return True
