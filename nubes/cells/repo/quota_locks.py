"""SQL for the per-project quota lock (API database ``quota_locks``).

:func:`lock` is the first statement of the transaction that counts a
project's usage and then inserts its build requests: it holds the
project's row until that transaction ends, so two creates of one project
count and insert one after the other.  Creates of other projects do not
wait.  On SQLite the writer's ``BEGIN IMMEDIATE`` already serialises every
write transaction; the row is still written so all backends run the same
statements.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import quota_locks as ql
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow

_LOCK = (sa.select(ql.c.id).where(ql.c.project_id == sa.bindparam("project_id"))
         .with_for_update())


def lock(conn: sa.Connection, project_id: str) -> None:
    """Take ``project_id``'s quota lock until the transaction ends (its row
    is made on first use).  The row is locked before any insert is tried:
    on MariaDB an ``INSERT IGNORE`` that meets the existing row takes a
    shared lock on it, and two such shared locks each waiting to become
    exclusive are a deadlock."""
    if conn.execute(_LOCK, {"project_id": project_id}).first() is not None:
        return
    # First create of the project: racing first creates both insert, one
    # row stays (the other waits for it, then ignores it), both then lock it.
    insert_ignoring_duplicates(conn, ql, [{"project_id": project_id,
                                           "created_at": utcnow()}])
    conn.execute(_LOCK, {"project_id": project_id}).one()
