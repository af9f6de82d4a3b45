"""SQL for compute nodes (cell database), as host discovery needs them."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import compute_nodes as cn
from nubes.common.timeutils import utcnow


def unmapped(conn: sa.Connection) -> list[sa.Row]:
    """Live nodes not yet known to have a host mapping, oldest first."""
    return list(conn.execute(
        sa.select(cn.c.id, cn.c.uuid, cn.c.host, cn.c.hypervisor_hostname)
        .where(cn.c.mapped == 0, cn.c.deleted == 0).order_by(cn.c.id)))


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
