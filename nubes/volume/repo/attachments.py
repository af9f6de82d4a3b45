"""SQL for volume attachments (``volume_attachment``)."""
from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.volume.models import volume_attachment as va

FIELDS = ("id", "volume_id", "project_id", "instance_uuid", "attached_host", "mountpoint",
          "attach_time", "detach_time", "attach_mode", "attach_status", "connector",
          "connection_info", "created_at", "updated_at")


@dataclasses.dataclass(frozen=True)
class AttachmentRecord:
    id: str
    volume_id: str
    project_id: str
    instance_uuid: str | None
    attached_host: str | None
    mountpoint: str | None
    attach_time: datetime.datetime | None
    detach_time: datetime.datetime | None
    attach_mode: str | None
    attach_status: str
    connector: str | None          # JSON text
    connection_info: str | None    # JSON text
    created_at: datetime.datetime
    updated_at: datetime.datetime | None


def _record(row) -> AttachmentRecord:
    mapping = row._mapping
    return AttachmentRecord(*[mapping[f] for f in FIELDS])


# The hot statements, built once (SQLAlchemy memoises their cache keys).
_GET = sa.select(va).where(va.c.id == sa.bindparam("attachment_id"))
_OF_VOLUME = (sa.select(va).where(va.c.volume_id == sa.bindparam("volume_id"))
              .order_by(va.c.created_at, va.c.id))
_INSERT = sa.insert(va)
_UPDATE = sa.update(va).where(va.c.id == sa.bindparam("_row_id"))
_DELETE = sa.delete(va).where(va.c.id == sa.bindparam("attachment_id"))


def get(conn: sa.Connection, attachment_id: str) -> AttachmentRecord | None:
    row = conn.execute(_GET, {"attachment_id": attachment_id}).first()
    return _record(row) if row else None


def of_volumes(conn: sa.Connection, volume_ids: list[str]) -> dict[str, list[AttachmentRecord]]:
    found: dict[str, list[AttachmentRecord]] = {v: [] for v in volume_ids}
    for start in range(0, len(volume_ids), 500):
        chunk = volume_ids[start:start + 500]
        for row in conn.execute(sa.select(va).where(va.c.volume_id.in_(chunk))
                                .order_by(va.c.created_at, va.c.id)):
            found[row.volume_id].append(_record(row))
    return found


def of_volume(conn: sa.Connection, volume_id: str) -> list[AttachmentRecord]:
    return [_record(r) for r in conn.execute(_OF_VOLUME, {"volume_id": volume_id})]


# Filters a caller may give, and the column each one compares.
FILTER_COLUMNS = {"volume_id": va.c.volume_id, "instance_id": va.c.instance_uuid,
                  "status": va.c.attach_status, "attach_status": va.c.attach_status,
                  "project_id": va.c.project_id}
SORT_COLUMNS = {"id": va.c.id, "created_at": va.c.created_at,
                "volume_id": va.c.volume_id, "status": va.c.attach_status}


def list_attachments(conn: sa.Connection, filters: dict[str, str],
                     sort: list[tuple[str, str]], limit: int, offset: int,
                     marker: AttachmentRecord | None) -> list[AttachmentRecord]:
    query = sa.select(va).where(*(FILTER_COLUMNS[k] == v for k, v in filters.items()))
    keys = [(SORT_COLUMNS[k], d) for k, d in sort] + [(va.c.id, sort[-1][1] if sort else "desc")]
    if marker is not None:
        query = query.where(_after(keys, marker))
    query = query.order_by(*(c.desc() if d == "desc" else c.asc() for c, d in keys))
    return [_record(r) for r in conn.execute(query.offset(offset).limit(limit))]


def _after(keys, marker: AttachmentRecord):
    """Rows after ``marker`` in the order of ``keys``."""
    clauses = []
    for i, (column, direction) in enumerate(keys):
        value = getattr(marker, _FIELD_OF[column.name])
        step = column < value if direction == "desc" else column > value
        clauses.append(sa.and_(*(c == getattr(marker, _FIELD_OF[c.name])
                                 for c, _ in keys[:i]), step))
    return sa.or_(*clauses)


_FIELD_OF = {c: c for c in FIELDS}


def insert(conn: sa.Connection, **values) -> None:
    conn.execute(_INSERT, {**values, "created_at": utcnow()})


def update(conn: sa.Connection, attachment_id: str, values: dict) -> int:
    return conn.execute(_UPDATE, {**values, "updated_at": utcnow(),
                                  "_row_id": attachment_id}).rowcount


def delete(conn: sa.Connection, attachment_id: str) -> int:
    return conn.execute(_DELETE, {"attachment_id": attachment_id}).rowcount
