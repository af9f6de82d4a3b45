"""SQL for services (cell database), as the compute API's os-services needs
them: listing, lookup by uuid/id/host+binary, updates, soft delete.

(Host discovery's queries stay in ``services.py``.)
"""
from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa

from nubes.cells.cell_db.models import services as svc
from nubes.common.timeutils import utcnow


@dataclasses.dataclass(frozen=True)
class ServiceRecord:
    id: int
    uuid: str | None
    host: str | None
    binary: str | None
    topic: str | None
    disabled: bool
    disabled_reason: str | None
    forced_down: bool
    last_seen_up: datetime.datetime | None
    report_count: int
    version: int
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None


_COLUMNS = (svc.c.id, svc.c.uuid, svc.c.host, svc.c.binary, svc.c.topic, svc.c.disabled,
            svc.c.disabled_reason, svc.c.forced_down, svc.c.last_seen_up, svc.c.report_count,
            svc.c.version, svc.c.created_at, svc.c.updated_at)


def _record(row) -> ServiceRecord:
    return ServiceRecord(id=row.id, uuid=row.uuid, host=row.host, binary=row.binary,
                         topic=row.topic, disabled=bool(row.disabled),
                         disabled_reason=row.disabled_reason,
                         forced_down=bool(row.forced_down), last_seen_up=row.last_seen_up,
                         report_count=row.report_count, version=row.version,
                         created_at=row.created_at, updated_at=row.updated_at)


def _live():
    return sa.select(*_COLUMNS).where(svc.c.deleted == 0)


def list_live(conn: sa.Connection, *, host: str | None = None,
              binary: str | None = None) -> list[ServiceRecord]:
    query = _live().order_by(svc.c.id)
    if host is not None:
        query = query.where(svc.c.host == host)
    if binary is not None:
        query = query.where(svc.c.binary == binary)
    return [_record(r) for r in conn.execute(query)]


def get_live(conn: sa.Connection, *, service_id: int | None = None,
             uuid: str | None = None) -> ServiceRecord | None:
    query = _live()
    if service_id is not None:
        query = query.where(svc.c.id == service_id)
    if uuid is not None:
        query = query.where(svc.c.uuid == uuid)
    row = conn.execute(query).first()
    return None if row is None else _record(row)


def find_live(conn: sa.Connection, host: str, binary: str) -> ServiceRecord | None:
    row = conn.execute(_live().where(svc.c.host == host, svc.c.binary == binary)).first()
    return None if row is None else _record(row)


def update(conn: sa.Connection, service_id: int, **values) -> int:
    """Set columns of a live service (disabled, disabled_reason, forced_down)."""
    return conn.execute(sa.update(svc).where(svc.c.id == service_id, svc.c.deleted == 0)
                        .values(**values, updated_at=utcnow())).rowcount


def soft_delete(conn: sa.Connection, service_id: int) -> int:
    return conn.execute(sa.update(svc).where(svc.c.id == service_id, svc.c.deleted == 0)
                        .values(deleted=svc.c.id, deleted_at=utcnow())).rowcount
