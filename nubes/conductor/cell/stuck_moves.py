"""Moves whose first cast was lost: the stuck-task check rolls them back
rather than putting the server in ERROR.

The super-conductor records a move, hands the source's allocation to the
migration's uuid, claims the destination for the instance's, writes the
destination into the migration and only then casts the first host step.
When that cast is lost (or the host it went to is down for good), no host
has touched the guest, the volumes or placement yet:

===========================  ==========================  ======================
server's task                migration (dest set)        the cast that was lost
===========================  ==========================  ======================
``resize_prep``              resize/migration,           ``resize_instance``
                             ``pre-migrating``           (source)
``migrating``                live-migration,             ``live_migrate_instance``
                             ``preparing``               (source)
``rebuilding``               evacuation,                 ``evacuate_instance``
                             ``pre-migrating``           (destination)
===========================  ==========================  ======================

Such a server whose row and migration have both not changed for
``instance_task_timeout`` seconds is put back as it was (one whose
migration changed lately is left alone: a host is at it):

1. one cell transaction, every write conditional (the task still the
   same, the migration still in that status): the migration ``error``
   (``failed`` for an evacuation, as a failed evacuation is), the task
   cleared (its vm_state was never changed: ACTIVE, STOPPED, PAUSED... as
   before), a fault and the host step's event of the action finished with
   an error saying it timed out, the action failed.  A host that takes the
   step at the same moment moves the migration on first (its own
   conditional update), and then this does nothing; a host whose cast
   arrives afterwards finds the migration over and drops it;
2. after commit, one placement ``POST /allocations`` (consumer
   generations): the migration's allocation on the source becomes the
   instance's again, replacing its claim on the destination (within a
   shared storage pool the instance keeps its pool allocation, back to the
   old flavor's disk), as a revert does.

A migration the super-conductor has not given a destination yet
(``queued``, or ``pre-migrating`` without one: it stopped while it
scheduled) and moves across cells are not taken up here: the server goes
to ERROR as any stuck server does.
"""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instances as repo
from nubes.cells.repo import migrations as migration_repo
from nubes.common.db.transaction import Database
from nubes.common.flavor_disk import DISK_GB, columns_disk_gb
from nubes.common.timeutils import utcnow
from nubes.compute.states import ERROR, Action, TaskState

LOG = logging.getLogger(__name__)
MIGRATION_CONSUMER = "MIGRATION"


class _Kind:
    def __init__(self, types: tuple[str, ...], statuses: tuple[str, ...], event: str,
                 actions: tuple[str, ...], failed: str = "error"):
        self.types, self.statuses, self.event = types, statuses, event
        self.actions, self.failed = actions, failed


KINDS = {
    TaskState.RESIZE_PREP: _Kind(("resize", "migration"), ("pre-migrating",),
                                 "compute_resize_instance",
                                 (Action.RESIZE, Action.MIGRATE)),
    TaskState.MIGRATING: _Kind(("live-migration",), ("preparing",),
                               "compute_live_migration", (Action.LIVE_MIGRATION,)),
    TaskState.REBUILDING: _Kind(("evacuation",), ("pre-migrating",),
                                "compute_rebuild_instance", (Action.EVACUATE,),
                                failed="failed"),
}


def roll_back(db: Database, placement: Any, uuid: str, task_state: str,
              before: datetime.datetime, timeout: float) -> bool | None:
    """Roll back the server's move if its first cast was lost.  None: the
    server is in no such move (the caller puts it in ERROR); True: rolled
    back; False: a host moved it on meanwhile (left alone)."""
    kind = KINDS.get(task_state)
    if kind is None:
        return None
    message = (f"Timed out in task_state {task_state} after {int(timeout)} seconds "
               "without progress: the move was rolled back")

    def work(conn) -> dict | bool | None:
        row = repo.get(conn, uuid, for_update=True)
        migration = _lost_first_cast(conn, uuid, kind, before)
        if not isinstance(migration, dict):
            return migration
        changed = None if row is None else row.get("updated_at") or row.get("created_at")
        if row is None or row.get("task_state") != task_state or \
                changed is None or changed >= before:
            return False
        now = utcnow()
        if not migration_repo.set_status(conn, migration["uuid"], {"status": kind.failed},
                                         now, expected=kind.statuses):
            return False
        if not repo.update(conn, uuid, {"task_state": None}, now, task_states=[task_state]):
            raise _Lost()           # (the migration's status goes back with the rest)
        repo.add_fault(conn, uuid, code=500, message=message, details=None, host=None,
                       now=now)
        _fail_action(conn, uuid, kind, message, now)
        return migration
    try:
        migration = db.write(work)
    except _Lost:
        return False
    if not isinstance(migration, dict):
        return migration
    LOG.warning("server %s was stuck in task_state %s (migration %s %s): rolled back",
                uuid, task_state, migration["uuid"], migration["status"])
    _give_back(placement, uuid, migration)
    return True


class _Lost(Exception):
    """A host changed the server between the two conditional updates."""


def _lost_first_cast(conn, uuid: str, kind: _Kind,
                     before: datetime.datetime) -> dict | bool | None:
    """The server's newest open move if it is one whose first cast was
    lost: of the kind, within the cell, in the status before the first host
    step, with a destination, unchanged since before ``before``.  False
    when such a move changed since (a host, or the super-conductor, is at
    it: left alone); None when there is no such move (or it has no
    destination yet: the server goes to ERROR as any stuck one)."""
    for migration in migration_repo.open_for_instance(conn, uuid)[:1]:
        if migration["migration_type"] not in kind.types or \
                migration.get("cross_cell_move") or migration.get("hidden"):
            return None
        changed = migration.get("updated_at") or migration.get("created_at")
        if changed is None or changed >= before:
            return False
        if migration["status"] in kind.statuses and migration.get("dest_compute"):
            return migration
    return None


def _fail_action(conn, uuid: str, kind: _Kind, message: str, now) -> None:
    """The newest open move action of the server: the lost step's event
    finished with the error, the action failed."""
    for action in action_repo.list_for(conn, uuid, limit=1):
        if action["action"] in kind.actions and action.get("finish_time") is None:
            action_repo.finish_event(conn, action["id"], kind.event, result=ERROR,
                                     traceback=message, host=None, now=now)
            action_repo.finish_action(conn, action["id"], now, failed=True)


def _give_back(placement: Any, uuid: str, migration: dict) -> None:
    """The migration's allocation on the source becomes the instance's
    again (its destination claim goes with it), in one ``POST
    /allocations``."""
    client = placement() if callable(placement) else placement
    if client is None:
        LOG.error("no placement client: the allocations of %s stay with migration %s",
                  uuid, migration["uuid"])
        return
    try:
        old = json.loads(migration.get("old_flavor") or "{}")
        new = json.loads(migration.get("new_flavor") or "{}")
        client.move_allocations(
            migration["uuid"], uuid, source_type=MIGRATION_CONSUMER, keep_shared=True,
            shared_delta={DISK_GB: columns_disk_gb(old) - columns_disk_gb(new)})
    except Exception:  # noqa: BLE001 - logged; the placement audit finds it
        LOG.exception("could not give %s its allocation back from migration %s", uuid,
                      migration["uuid"])
