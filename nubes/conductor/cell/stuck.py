"""Servers stuck in a task: the cell conductor's periodic check.

A server whose task (building, rebooting, resizing, ...) has not moved for
``instance_task_timeout`` seconds — its host died mid-operation, a message
was lost — is put in ERROR with a fault naming the task, its task cleared,
so its owner can delete, rebuild or reset it.  Each server is one
conditional update (still in that task, still not changed), so a host that
finishes at the same moment wins, and several conductors of one cell may
run the check at once.
"""
from __future__ import annotations

import datetime
import logging

from nubes.cells.repo import instances as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.compute.states import VmState

LOG = logging.getLogger(__name__)
BATCH = 100


def put_stuck_in_error(db: Database, timeout: float, limit: int = BATCH) -> list[str]:
    """The uuids of the servers put in ERROR."""
    before = utcnow() - datetime.timedelta(seconds=timeout)
    found = db.read(lambda conn: repo.stuck_before(conn, before, limit))
    done = []
    for uuid, task_state in found:
        def work(conn, uuid=uuid, task_state=task_state) -> bool:
            now = utcnow()
            row = repo.get(conn, uuid, for_update=True)
            if row is None or row.get("task_state") != task_state or \
                    row.get("updated_at") is None or row["updated_at"] >= before:
                return False
            repo.update(conn, uuid, {"vm_state": VmState.ERROR, "task_state": None}, now,
                        task_states=[task_state])
            repo.add_fault(conn, uuid, code=500,
                           message=f"Timed out in task_state {task_state} after "
                                   f"{int(timeout)} seconds without progress",
                           details=None, host=None, now=now)
            return True
        if db.write(work):
            LOG.warning("server %s was stuck in task_state %s: put in ERROR", uuid,
                        task_state)
            done.append(uuid)
    return done
