"""Servers stuck in a task: the cell conductor's periodic check.

A server whose task (building, rebooting, resizing, ...) has not moved for
``instance_task_timeout`` seconds — its host died mid-operation, a message
was lost — is put in ERROR with a fault naming the task, its task cleared,
so its owner can delete, rebuild or reset it.  A record never updated since
its creation counts from its creation.  Each server is one conditional
update (still in that task, still not changed), so a host that finishes at
the same moment wins, and several conductors of one cell may run the check
at once.  A server that was still building never ran anywhere: it loses
its host and node, and its placement allocations are removed once it is in
ERROR, as after any failed build (a restarted host then leaves it alone).

A move whose first cast was lost (task ``resize_prep``, ``migrating`` or
``rebuilding`` with its migration still before the first host step) is
rolled back instead: :mod:`nubes.conductor.cell.stuck_moves`.
"""
from __future__ import annotations

import datetime
import logging
from typing import Any

from nubes.cells.repo import instances as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.compute.states import VmState
from nubes.conductor.cell import stuck_moves

LOG = logging.getLogger(__name__)
BATCH = 100


def put_stuck_in_error(db: Database, timeout: float, limit: int = BATCH, *,
                       placement: Any = None) -> list[str]:
    """The uuids of the servers put in ERROR (or, for a move whose first
    cast was lost, back as they were before it).  ``placement`` (a
    :class:`~nubes.placement.client.PlacementClient`, or a callable that
    answers one) frees the allocations of those that were building and
    gives the rolled-back moves' back."""
    before = utcnow() - datetime.timedelta(seconds=timeout)
    found = db.read(lambda conn: repo.stuck_before(conn, before, limit))
    done = []
    for uuid, task_state in found:
        rolled_back = stuck_moves.roll_back(db, placement, uuid, task_state, before, timeout)
        if rolled_back is not None:
            if rolled_back:
                done.append(uuid)
            continue

        def work(conn, uuid=uuid, task_state=task_state) -> str | None:
            """The server's vm_state before, if it was put in ERROR."""
            now = utcnow()
            row = repo.get(conn, uuid, for_update=True)
            changed = None if row is None else row.get("updated_at") or row.get("created_at")
            if row is None or row.get("task_state") != task_state or \
                    changed is None or changed >= before:
                return None
            values = {"vm_state": VmState.ERROR, "task_state": None}
            if row.get("vm_state") == VmState.BUILDING:   # it never ran on its host
                values.update(host=None, node=None)
            repo.update(conn, uuid, values, now, task_states=[task_state])
            repo.add_fault(conn, uuid, code=500,
                           message=f"Timed out in task_state {task_state} after "
                                   f"{int(timeout)} seconds without progress",
                           details=None, host=None, now=now)
            return row.get("vm_state") or ""
        was = db.write(work)
        if was is None:
            continue
        LOG.warning("server %s was stuck in task_state %s: put in ERROR", uuid, task_state)
        done.append(uuid)
        if was == VmState.BUILDING and placement is not None:
            _free_allocations(placement, uuid)
    return done


def _free_allocations(placement: Any, uuid: str) -> None:
    client = placement() if callable(placement) else placement
    try:
        client.delete_allocations(uuid)
    except Exception:  # noqa: BLE001 - logged; heal_allocations can finish the job
        LOG.exception("could not remove the allocations of %s, stuck while building", uuid)
