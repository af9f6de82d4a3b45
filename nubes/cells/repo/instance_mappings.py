"""SQL for instance mappings (API database) and the map_instances marker."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import instance_mapping_markers as markers
from nubes.cells.api_db.models import instance_mappings as im
from nubes.cells.records import InstanceMapping
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow


def _record(row) -> InstanceMapping:
    return InstanceMapping(instance_uuid=row.instance_uuid, cell_id=row.cell_id,
                           project_id=row.project_id, user_id=row.user_id,
                           queued_for_delete=bool(row.queued_for_delete))


def get(conn: sa.Connection, instance_uuid: str) -> InstanceMapping | None:
    row = conn.execute(sa.select(im).where(im.c.instance_uuid == instance_uuid)).first()
    return None if row is None else _record(row)


def create(conn: sa.Connection, *, instance_uuid: str, project_id: str,
           user_id: str | None, cell_id: int | None = None,
           queued_for_delete: bool = False) -> None:
    conn.execute(sa.insert(im).values(
        instance_uuid=instance_uuid, project_id=project_id, user_id=user_id,
        cell_id=cell_id, queued_for_delete=queued_for_delete, created_at=utcnow()))


_UPDATE = sa.update(im).where(im.c.instance_uuid == sa.bindparam("uuid"))


def point_at_cell(conn: sa.Connection, instance_uuid: str, cell_id: int, *,
                  unless_deleting: bool = False) -> bool:
    """False when the mapping is gone (or, ``unless_deleting``, queued for
    delete: a move that ends while its server is deleted leaves it where
    the delete found it)."""
    query = _UPDATE
    if unless_deleting:
        query = query.where(im.c.queued_for_delete == sa.false())
    return conn.execute(query, {"uuid": instance_uuid, "cell_id": cell_id,
                                "updated_at": utcnow()}).rowcount == 1


def queue_for_delete(conn: sa.Connection, instance_uuid: str, queued: bool = True) -> bool:
    """Mark the instance deleted (or, ``queued=False``, restored from a
    soft delete) as far as the API database counts it."""
    return conn.execute(_UPDATE, {"uuid": instance_uuid, "queued_for_delete": queued,
                                  "updated_at": utcnow()}).rowcount == 1


def delete(conn: sa.Connection, instance_uuid: str) -> None:
    conn.execute(sa.delete(im).where(im.c.instance_uuid == instance_uuid))


def count_in_cell(conn: sa.Connection, cell_id: int) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(im)
                       .where(im.c.cell_id == cell_id))


def delete_in_cell(conn: sa.Connection, cell_id: int) -> int:
    return conn.execute(sa.delete(im).where(im.c.cell_id == cell_id)).rowcount


def cells_of(conn: sa.Connection, instance_uuids: Iterable[str]) -> dict[str, int | None]:
    """instance uuid -> cell id (None: not in a cell yet) for the mapped ones."""
    uuids = sorted(set(instance_uuids))
    if not uuids:
        return {}
    return {r.instance_uuid: r.cell_id for r in conn.execute(
        sa.select(im.c.instance_uuid, im.c.cell_id).where(im.c.instance_uuid.in_(uuids)))}


def insert_missing(conn: sa.Connection, rows: list[dict]) -> None:
    """Rows of instance_uuid, project_id, user_id, cell_id, queued_for_delete;
    uuids already mapped are skipped."""
    now = utcnow()
    insert_ignoring_duplicates(conn, im, [dict(r, created_at=now) for r in rows])


def set_cell_where_unset(conn: sa.Connection, instance_uuids: Iterable[str],
                         cell_id: int) -> int:
    uuids = sorted(set(instance_uuids))
    if not uuids:
        return 0
    return conn.execute(sa.update(im).where(im.c.instance_uuid.in_(uuids),
                                            im.c.cell_id.is_(None))
                        .values(cell_id=cell_id, updated_at=utcnow())).rowcount


def created_at(conn: sa.Connection, instance_uuid: str):
    """When the mapping (so the server) was created; None if unmapped."""
    return conn.scalar(sa.select(im.c.created_at).where(im.c.instance_uuid == instance_uuid))


def live_in_cells(conn: sa.Connection, cell_ids: Iterable[int], *,
                  project_id: str | None = None) -> list[dict]:
    """Mappings (instance_uuid, cell_id, project_id, user_id, created_at)
    of instances in ``cell_ids`` not queued for delete: what the API knows
    of a cell that does not answer."""
    ids = sorted(set(cell_ids))
    if not ids:
        return []
    query = (sa.select(im.c.instance_uuid, im.c.cell_id, im.c.project_id, im.c.user_id,
                       im.c.created_at)
             .where(im.c.cell_id.in_(ids), im.c.queued_for_delete == sa.false())
             .order_by(im.c.created_at.desc(), im.c.id.desc()))
    if project_id is not None:
        query = query.where(im.c.project_id == project_id)
    return [dict(r._mapping) for r in conn.execute(query)]


# --- where map_instances stopped in a cell ----------------------------------

def get_marker(conn: sa.Connection, cell_id: int) -> int | None:
    return conn.scalar(sa.select(markers.c.last_instance_id)
                       .where(markers.c.cell_id == cell_id))


def set_marker(conn: sa.Connection, cell_id: int, last_instance_id: int) -> None:
    updated = conn.execute(sa.update(markers).where(markers.c.cell_id == cell_id)
                           .values(last_instance_id=last_instance_id,
                                   updated_at=utcnow())).rowcount
    if not updated:
        insert_ignoring_duplicates(conn, markers, [{
            "cell_id": cell_id, "last_instance_id": last_instance_id,
            "created_at": utcnow()}])


def delete_marker(conn: sa.Connection, cell_id: int) -> None:
    conn.execute(sa.delete(markers).where(markers.c.cell_id == cell_id))
