"""Lock rows taken as the first statements of a write transaction.

:func:`lock_project` holds a project's ``quota_locks`` row until the
transaction ends, so two creates of one project count the project's usage
and insert one after the other (creates of other projects do not wait).
:func:`lock_pool` does the same for a backend pool: its free capacity is
counted and a volume put in it under the pool's row.  Rows are made on
first use.  Projects are always locked before pools, so two transactions
never wait for each other in a cycle.  On SQLite the writer's ``BEGIN
IMMEDIATE`` already serialises writers; the rows are still written so every
backend runs the same statements.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow
from nubes.volume.models import pools, quota_locks


def _lock(conn: sa.Connection, table: sa.Table, column: sa.Column, value: str) -> None:
    select = sa.select(table.c.id).where(column == value).with_for_update()
    # The row is locked before any insert is tried: on MariaDB an INSERT
    # IGNORE meeting the existing row takes a shared lock on it, and two
    # such shared locks each waiting to become exclusive are a deadlock.
    if conn.execute(select).first() is not None:
        return
    insert_ignoring_duplicates(conn, table, [{column.name: value, "created_at": utcnow()}])
    conn.execute(select).one()


def lock_project(conn: sa.Connection, project_id: str) -> None:
    """Take ``project_id``'s quota lock until the transaction ends."""
    _lock(conn, quota_locks, quota_locks.c.project_id, project_id)


def lock_pool(conn: sa.Connection, pool: str) -> None:
    """Take the lock of the pool named ``pool`` (``host@backend#pool``)."""
    _lock(conn, pools, pools.c.name, pool)
