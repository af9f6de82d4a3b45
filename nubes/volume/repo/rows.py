"""Statements the volume service's tables with a ``status`` and user
metadata (volumes, snapshots) share."""
from __future__ import annotations

import functools

import sqlalchemy as sa

from nubes.common.db import key_values
from nubes.common.timeutils import utcnow


@functools.cache
def _update(table: sa.Table, guarded: bool) -> sa.Update:
    """One statement object per table and shape, built once: SQLAlchemy
    memoises its cache key, and the SET clause comes from the parameters'
    keys (hot paths: every attachment change updates its volume)."""
    query = sa.update(table).where(table.c.id == sa.bindparam("_row_id"))
    if guarded:
        query = query.where(table.c.status.in_(sa.bindparam("_statuses", expanding=True)))
    return query


def update(conn: sa.Connection, table: sa.Table, row_id: str, values: dict,
           statuses: tuple[str, ...] | None) -> int:
    """Set ``values`` on the row; with ``statuses`` only while its status is
    one of them.  The number of rows changed (0: gone, or in another status)."""
    params = {**values, "updated_at": utcnow(), "_row_id": row_id}
    if statuses is not None:
        params["_statuses"] = list(statuses)
    return conn.execute(_update(table, statuses is not None), params).rowcount


def set_metadata(conn: sa.Connection, owner: sa.Column, owner_id: str,
                 changes: dict[str, str | None]) -> None:
    """Set (None: remove) keys of the metadata table ``owner`` belongs to."""
    key_values.set_keys(conn, owner, owner_id, owner.table.c.key, changes, utcnow())


def replace_metadata(conn: sa.Connection, owner: sa.Column, owner_id: str,
                     metadata: dict[str, str]) -> None:
    table = owner.table
    conn.execute(sa.delete(table).where(owner == owner_id,
                                        table.c.key.not_in(list(metadata))))
    set_metadata(conn, owner, owner_id, metadata)
