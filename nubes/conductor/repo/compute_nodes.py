"""SQL for the ``compute_nodes`` table (cell database)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from nubes.cells.cell_db.models import compute_nodes as cn
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.conductor.messages import ComputeNodeRecord

_COLUMNS = (cn.c.id, cn.c.uuid, cn.c.host, cn.c.hypervisor_hostname, cn.c.service_id,
            cn.c.vcpus, cn.c.memory_mb, cn.c.local_gb, cn.c.hypervisor_type,
            cn.c.hypervisor_version, cn.c.cpu_info, cn.c.cpu_allocation_ratio,
            cn.c.ram_allocation_ratio, cn.c.disk_allocation_ratio, cn.c.mapped)


def _record(row) -> ComputeNodeRecord:
    return ComputeNodeRecord(**{c.name: getattr(row, c.name) for c in _COLUMNS})


def get_live(conn: sa.Connection, host: str, nodename: str) -> ComputeNodeRecord | None:
    row = conn.execute(sa.select(*_COLUMNS).where(
        cn.c.host == host, cn.c.hypervisor_hostname == nodename, cn.c.deleted == 0)).first()
    return None if row is None else _record(row)


def uuid_taken(conn: sa.Connection, uuid: str) -> bool:
    return conn.execute(sa.select(cn.c.id).where(cn.c.uuid == uuid)).first() is not None


def insert_if_missing(conn: sa.Connection, values: dict[str, Any], now) -> None:
    """Insert a node unless (host, hypervisor_hostname) has a live one."""
    insert_ignoring_duplicates(conn, cn, [dict(values, created_at=now)])


def update(conn: sa.Connection, node_id: int, values: dict[str, Any], now) -> None:
    conn.execute(sa.update(cn).where(cn.c.id == node_id).values(**values, updated_at=now))
