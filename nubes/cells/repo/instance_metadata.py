"""SQL for an instance's key/value metadata (cell database): the user's
``instance_metadata`` and the internal ``instance_system_metadata`` (the
two tables have the same shape; ``system=True`` picks the second).

Rows are soft-deleted (``deleted`` = the row's id) as every other row the
API lists; a key has at most one live row.  Every function takes an open
``Connection``; callers own transactions.  (The build writes the first
rows with :func:`nubes.cells.repo.instances.add_metadata`.)
"""
from __future__ import annotations

import datetime
from typing import Mapping

import sqlalchemy as sa

from nubes.cells.cell_db.models import instance_metadata, instance_system_metadata


def _table(system: bool) -> sa.Table:
    return instance_system_metadata if system else instance_metadata


def get_all(conn: sa.Connection, instance_uuid: str, *, system: bool = False
            ) -> dict[str, str]:
    """The live items of the instance, in the order they were written."""
    t = _table(system)
    rows = conn.execute(sa.select(t.c.key, t.c.value)
                        .where(t.c.instance_uuid == instance_uuid, t.c.deleted == 0)
                        .order_by(t.c.id))
    return {r.key: r.value for r in rows}


def set_items(conn: sa.Connection, instance_uuid: str, items: Mapping[str, str],
              now: datetime.datetime, *, system: bool = False) -> None:
    """Create or overwrite ``items`` (other keys are left alone)."""
    if not items:
        return
    t = _table(system)
    current = get_all(conn, instance_uuid, system=system)
    new = [{"instance_uuid": instance_uuid, "key": k, "value": v, "created_at": now}
           for k, v in items.items() if k not in current]
    for key, value in items.items():
        if key in current and current[key] != value:
            conn.execute(sa.update(t).where(t.c.instance_uuid == instance_uuid,
                                            t.c.key == key, t.c.deleted == 0)
                         .values(value=value, updated_at=now))
    if new:
        conn.execute(sa.insert(t), new)


def delete_keys(conn: sa.Connection, instance_uuid: str, keys: list[str],
                now: datetime.datetime, *, system: bool = False) -> int:
    """Soft-delete the live rows of ``keys``; how many there were."""
    if not keys:
        return 0
    t = _table(system)
    return conn.execute(
        sa.update(t).where(t.c.instance_uuid == instance_uuid, t.c.key.in_(keys),
                           t.c.deleted == 0)
        .values(deleted=t.c.id, deleted_at=now, updated_at=now)).rowcount


def replace_all(conn: sa.Connection, instance_uuid: str, items: Mapping[str, str],
                now: datetime.datetime, *, system: bool = False) -> None:
    """Make ``items`` the instance's whole metadata."""
    current = get_all(conn, instance_uuid, system=system)
    delete_keys(conn, instance_uuid, [k for k in current if k not in items], now,
                system=system)
    set_items(conn, instance_uuid, items, now, system=system)
