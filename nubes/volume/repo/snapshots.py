"""SQL for snapshots and their user metadata."""
from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.volume.models import snapshot_metadata as sm
from nubes.volume.models import snapshots as s
from nubes.volume.models import volume_types as vt
from nubes.volume.models import volumes as v
from nubes.volume.repo import paging
from nubes.volume.repo import rows as shared_rows

FIELDS = ("id", "project_id", "user_id", "volume_id", "name", "description", "size",
          "status", "progress", "provider_location", "error_message", "created_at",
          "updated_at")


@dataclasses.dataclass(frozen=True)
class SnapshotRecord:
    id: str
    project_id: str
    user_id: str | None
    volume_id: str
    name: str | None
    description: str | None
    size: int
    status: str
    progress: str | None
    provider_location: str | None
    error_message: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime | None
    host: str | None            # the volume's pool: the snapshot's bytes are there
    volume_type_id: str
    volume_type_name: str
    metadata: dict[str, str]


_SELECT = (sa.select(s, v.c.host, v.c.volume_type_id, vt.c.name.label("volume_type_name"))
           .join(v, v.c.id == s.c.volume_id).join(vt, vt.c.id == v.c.volume_type_id))

SORT_COLUMNS = {
    "id": s.c.id, "name": sa.func.coalesce(s.c.name, ""), "status": s.c.status,
    "size": s.c.size, "created_at": s.c.created_at, "volume_id": s.c.volume_id,
    "project_id": s.c.project_id,
}


def _records(conn: sa.Connection, rows) -> list[SnapshotRecord]:
    rows = list(rows)
    ids = [r.id for r in rows]
    meta: dict[str, dict[str, str]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        for r in conn.execute(sa.select(sm.c.snapshot_id, sm.c.key, sm.c.value)
                              .where(sm.c.snapshot_id.in_(ids[start:start + 500]))):
            meta[r.snapshot_id][r.key] = r.value
    return [SnapshotRecord(**{f: getattr(r, f) for f in FIELDS}, host=r.host,
                           volume_type_id=r.volume_type_id,
                           volume_type_name=r.volume_type_name, metadata=meta[r.id])
            for r in rows]


def get(conn: sa.Connection, snapshot_id: str, *, lock: bool = False) -> SnapshotRecord | None:
    if lock:
        if conn.execute(sa.select(s.c.id).where(s.c.id == snapshot_id).with_for_update()
                        ).first() is None:
            return None
    found = _records(conn, conn.execute(_SELECT.where(s.c.id == snapshot_id)))
    return found[0] if found else None


def of_volume(conn: sa.Connection, volume_id: str) -> list[SnapshotRecord]:
    return _records(conn, conn.execute(_SELECT.where(s.c.volume_id == volume_id)
                                       .order_by(s.c.created_at, s.c.id)))


def where_clauses(filters: dict) -> list:
    """See :func:`.paging.filter_clauses`."""
    return paging.filter_clauses(s, sm.c.snapshot_id, filters)


def page(conn: sa.Connection, filters: dict, sort: list[tuple[str, str]], *,
         limit: int, offset: int, marker: SnapshotRecord | None) -> list[SnapshotRecord]:
    query = paging.page_query(
        _SELECT.where(*where_clauses(filters)), SORT_COLUMNS, sort, limit=limit,
        offset=offset, marker_value=None if marker is None else paging.attribute_value(marker))
    return _records(conn, conn.execute(query))


def count(conn: sa.Connection, filters: dict) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(s)
                           .where(*where_clauses(filters))))


def insert(conn: sa.Connection, values: dict, metadata: dict[str, str]) -> None:
    conn.execute(sa.insert(s).values(**values, created_at=utcnow()))
    set_metadata(conn, values["id"], metadata)


def update(conn: sa.Connection, snapshot_id: str, values: dict, *,
           statuses: tuple[str, ...] | None = None) -> int:
    """See :func:`.rows.update`."""
    return shared_rows.update(conn, s, snapshot_id, values, statuses)


def delete(conn: sa.Connection, snapshot_id: str) -> int:
    conn.execute(sa.delete(sm).where(sm.c.snapshot_id == snapshot_id))
    return conn.execute(sa.delete(s).where(s.c.id == snapshot_id)).rowcount


def set_metadata(conn: sa.Connection, snapshot_id: str, changes: dict[str, str | None]) -> None:
    shared_rows.set_metadata(conn, sm.c.snapshot_id, snapshot_id, changes)


def replace_metadata(conn: sa.Connection, snapshot_id: str, metadata: dict[str, str]) -> None:
    shared_rows.replace_metadata(conn, sm.c.snapshot_id, snapshot_id, metadata)


def usage(conn: sa.Connection, project_id: str) -> dict[str, tuple[int, int]]:
    """Per volume type name (the snapshot's volume's): (snapshots,
    gigabytes) the project holds."""
    rows = conn.execute(sa.select(vt.c.name, sa.func.count(), sa.func.sum(s.c.size))
                        .select_from(s.join(v, v.c.id == s.c.volume_id)
                                     .join(vt, vt.c.id == v.c.volume_type_id))
                        .where(s.c.project_id == project_id).group_by(vt.c.name))
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}


def sources_in_use(conn: sa.Connection, *, volume_id: str | None = None,
                   snapshot_id: str | None = None) -> bool:
    """Whether a volume still being created copies from ``volume_id`` /
    ``snapshot_id`` (or a snapshot of ``volume_id`` is being made)."""
    if snapshot_id is not None:
        return conn.execute(sa.select(v.c.id).where(
            v.c.snapshot_id == snapshot_id, v.c.status == "creating").limit(1)).first() is not None
    return conn.execute(sa.select(v.c.id).where(
        v.c.source_volid == volume_id, v.c.status == "creating").limit(1)).first() is not None


def any_in_status(conn: sa.Connection, statuses: tuple[str, ...]) -> bool:
    """Whether a row is in one of ``statuses`` (a manager still owes it work)."""
    return conn.execute(sa.select(s.c.id).where(s.c.status.in_(statuses))
                        .limit(1)).first() is not None
