"""SQL for what instances used (cell database): the instances that ran
during a period (os-simple-tenant-usage, deleted ones included) and the
sizes of the instances on one host (os-hosts).

Records are plain dicts of the columns read.  Every function takes an open
``Connection``; callers own transactions.
"""
from __future__ import annotations

import datetime
from typing import Sequence

import sqlalchemy as sa

from nubes.cells import sort_order as ordering
from nubes.cells.cell_db.models import instances as inst

_USAGE_COLUMNS = [inst.c.id, inst.c.uuid, inst.c.display_name, inst.c.project_id,
                  inst.c.vm_state, inst.c.launched_at, inst.c.terminated_at, inst.c.flavor,
                  inst.c.memory_mb, inst.c.vcpus, inst.c.root_gb, inst.c.ephemeral_gb]
COLUMNS = {c.name: c for c in inst.c}


def _in_window(begin: datetime.datetime, end: datetime.datetime) -> list[sa.ColumnElement]:
    """Launched before ``end`` and not terminated before ``begin`` (a server
    that never launched used nothing).  The source copy of a cross-cell
    move (``hidden``) is not counted twice."""
    return [inst.c.launched_at.is_not(None), inst.c.launched_at < end,
            sa.or_(inst.c.terminated_at.is_(None), inst.c.terminated_at > begin),
            inst.c.hidden == sa.false()]


def active_in_window(conn: sa.Connection, begin: datetime.datetime, end: datetime.datetime,
                     *, project_id: str | None, order: ordering.SortOrder,
                     after: Sequence | None, limit: int) -> list[dict]:
    """Up to ``limit`` instances (deleted or not) that ran between ``begin``
    and ``end``, of ``project_id`` (None: every project), sorted by
    ``order`` strictly after the sort values ``after``."""
    dialect = conn.dialect.name
    query = sa.select(*_USAGE_COLUMNS).where(*_in_window(begin, end))
    if project_id is not None:
        query = query.where(inst.c.project_id == project_id)
    if after is not None:
        query = query.where(ordering.after_condition(COLUMNS, order, after, dialect))
    query = query.order_by(*ordering.order_by(COLUMNS, order, dialect)).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def marker(conn: sa.Connection, uuid: str) -> dict | None:
    """The instance (deleted or not) a usage page continues after."""
    row = conn.execute(sa.select(*_USAGE_COLUMNS).where(inst.c.uuid == uuid)).first()
    return None if row is None else dict(row._mapping)


def sizes_on_host(conn: sa.Connection, host: str) -> list[sa.Row]:
    """(project_id, vcpus, memory_mb, root_gb, ephemeral_gb) of each live
    instance on ``host``."""
    return list(conn.execute(
        sa.select(inst.c.project_id, inst.c.vcpus, inst.c.memory_mb, inst.c.root_gb,
                  inst.c.ephemeral_gb)
        .where(inst.c.host == host, inst.c.deleted == 0).order_by(inst.c.id)))
