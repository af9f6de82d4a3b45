"""SQL for the live instances on hosts and nodes (cell database): what the
compute API checks before deleting a service or moving a host's zone, and
shows on hypervisors.

(The cell commands' instance queries stay in ``instances.py``.)
"""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import instances as inst


def count_on_hosts(conn: sa.Connection, hosts: Iterable[str]) -> int:
    hosts = sorted(set(hosts))
    if not hosts:
        return 0
    return conn.scalar(sa.select(sa.func.count()).select_from(inst)
                       .where(inst.c.host.in_(hosts), inst.c.deleted == 0))


def counts_by_node(conn: sa.Connection) -> dict[tuple[str, str], int]:
    """(host, node) -> number of live instances there."""
    rows = conn.execute(sa.select(inst.c.host, inst.c.node, sa.func.count())
                        .where(inst.c.deleted == 0, inst.c.host.is_not(None))
                        .group_by(inst.c.host, inst.c.node))
    return {(r[0], r[1]): r[2] for r in rows}


def on_nodes(conn: sa.Connection,
             nodes: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(host, node) -> [(instance id, uuid), ...] of live instances, id order."""
    nodes = sorted(set(nodes))
    if not nodes:
        return {}
    hosts = sorted({h for h, _ in nodes})
    rows = conn.execute(sa.select(inst.c.host, inst.c.node, inst.c.id, inst.c.uuid)
                        .where(inst.c.deleted == 0, inst.c.host.in_(hosts))
                        .order_by(inst.c.id))
    wanted = set(nodes)
    found: dict[tuple[str, str], list[tuple[int, str]]] = {n: [] for n in nodes}
    for r in rows:
        if (r.host, r.node) in wanted:
            found[(r.host, r.node)].append((r.id, r.uuid))
    return found
