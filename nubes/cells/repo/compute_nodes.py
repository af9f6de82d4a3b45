"""SQL for the ``compute_nodes`` table (cell database): the cell
conductor's writes of what agents report, the compute API's
os-hypervisors and service deletion, and host discovery's mapped flags.

Every function takes an open ``Connection``; callers own transactions.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import compute_nodes as cn
from nubes.cells.records import ComputeNodeRecord
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow

_FIELDS = [f.name for f in dataclasses.fields(ComputeNodeRecord)]
_COLUMNS = [cn.c[name] for name in _FIELDS]


def _record(row) -> ComputeNodeRecord:
    return ComputeNodeRecord(**{name: getattr(row, name) for name in _FIELDS})


def _first(conn: sa.Connection, query) -> ComputeNodeRecord | None:
    row = conn.execute(query).first()
    return None if row is None else _record(row)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- reads ---------------------------------------------------------------------

def list_live(conn: sa.Connection, *, hostname_contains: str | None = None,
              host: str | None = None) -> list[ComputeNodeRecord]:
    """Live nodes in id order; ``hostname_contains`` matches a substring of
    the hypervisor hostname literally (no wildcards)."""
    query = sa.select(*_COLUMNS).where(cn.c.deleted == 0).order_by(cn.c.id)
    if hostname_contains is not None:
        query = query.where(cn.c.hypervisor_hostname.like(
            f"%{_escape_like(hostname_contains)}%", escape="\\"))
    if host is not None:
        query = query.where(cn.c.host == host)
    return [_record(r) for r in conn.execute(query)]


def get_live(conn: sa.Connection, *, node_id: int | None = None,
             uuid: str | None = None) -> ComputeNodeRecord | None:
    query = sa.select(*_COLUMNS).where(cn.c.deleted == 0)
    if node_id is not None:
        query = query.where(cn.c.id == node_id)
    if uuid is not None:
        query = query.where(cn.c.uuid == uuid)
    return _first(conn, query)


def find_live(conn: sa.Connection, host: str, nodename: str) -> ComputeNodeRecord | None:
    return _first(conn, sa.select(*_COLUMNS).where(
        cn.c.host == host, cn.c.hypervisor_hostname == nodename, cn.c.deleted == 0))


def uuid_taken(conn: sa.Connection, uuid: str) -> bool:
    """True if any node, live or deleted, ever had ``uuid``."""
    return conn.execute(sa.select(cn.c.id).where(cn.c.uuid == uuid)).first() is not None


def unmapped(conn: sa.Connection) -> list[sa.Row]:
    """Live nodes not yet known to have a host mapping, oldest first."""
    return list(conn.execute(
        sa.select(cn.c.id, cn.c.uuid, cn.c.host, cn.c.hypervisor_hostname)
        .where(cn.c.mapped == 0, cn.c.deleted == 0).order_by(cn.c.id)))


# --- writes --------------------------------------------------------------------

def insert_if_missing(conn: sa.Connection, values: dict[str, Any], now) -> None:
    """Insert a node unless (host, hypervisor_hostname) has a live one."""
    insert_ignoring_duplicates(conn, cn, [dict(values, created_at=now)])


def update(conn: sa.Connection, node_id: int, values: dict[str, Any], now) -> None:
    conn.execute(sa.update(cn).where(cn.c.id == node_id).values(**values, updated_at=now))


def soft_delete_on_host(conn: sa.Connection, host: str) -> int:
    return conn.execute(sa.update(cn).where(cn.c.host == host, cn.c.deleted == 0)
                        .values(deleted=cn.c.id, deleted_at=utcnow())).rowcount


def mark_mapped(conn: sa.Connection, hosts: Iterable[str]) -> int:
    hosts = sorted(set(hosts))
    if not hosts:
        return 0
    return conn.execute(sa.update(cn).where(cn.c.host.in_(hosts), cn.c.mapped == 0,
                                            cn.c.deleted == 0)
                        .values(mapped=1, updated_at=utcnow())).rowcount


def mark_all_unmapped(conn: sa.Connection) -> int:
    """So the nodes are discovered again if the cell is re-created."""
    return conn.execute(sa.update(cn).where(cn.c.mapped != 0)
                        .values(mapped=0, updated_at=utcnow())).rowcount
