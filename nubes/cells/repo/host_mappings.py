"""SQL for host mappings (API database): compute service host -> cell."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import cell_mappings as cm
from nubes.cells.api_db.models import host_mappings as hm
from nubes.cells.records import HostMapping
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow


def _select():
    return (sa.select(hm.c.host, hm.c.cell_id, cm.c.uuid.label("cell_uuid"),
                      cm.c.name.label("cell_name"))
            .join(cm, cm.c.id == hm.c.cell_id))


def _record(row) -> HostMapping:
    return HostMapping(host=row.host, cell_id=row.cell_id, cell_uuid=row.cell_uuid,
                       cell_name=row.cell_name)


_GET_BY_HOST = _select().where(hm.c.host == sa.bindparam("host"))


def get_by_host(conn: sa.Connection, host: str) -> HostMapping | None:
    row = conn.execute(_GET_BY_HOST, {"host": host}).first()
    return None if row is None else _record(row)


def get_by_hosts(conn: sa.Connection, hosts: Iterable[str]) -> dict[str, HostMapping]:
    hosts = sorted(set(hosts))
    if not hosts:
        return {}
    return {r.host: _record(r) for r in conn.execute(_select().where(hm.c.host.in_(hosts)))}


def list_all(conn: sa.Connection, cell_id: int | None = None) -> list[HostMapping]:
    query = _select().order_by(cm.c.name, cm.c.uuid, hm.c.host)
    if cell_id is not None:
        query = query.where(hm.c.cell_id == cell_id)
    return [_record(r) for r in conn.execute(query)]


def count_in_cell(conn: sa.Connection, cell_id: int) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(hm)
                       .where(hm.c.cell_id == cell_id))


def insert_missing(conn: sa.Connection, cell_id: int, hosts: Iterable[str]) -> None:
    """Map ``hosts`` to the cell, skipping hosts already mapped (to any
    cell); callers read the mappings back to see who won."""
    now = utcnow()
    insert_ignoring_duplicates(conn, hm, [{"cell_id": cell_id, "host": h, "created_at": now}
                                          for h in sorted(set(hosts))])


def delete_in_cell(conn: sa.Connection, cell_id: int) -> int:
    return conn.execute(sa.delete(hm).where(hm.c.cell_id == cell_id)).rowcount


def delete_by_host(conn: sa.Connection, host: str) -> int:
    return conn.execute(sa.delete(hm).where(hm.c.host == host)).rowcount
