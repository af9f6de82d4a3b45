"""SQL for the ``services`` table (cell database): registration and
liveness reports (the cell conductor, for its agents), the compute API's
os-services (listing, lookup, updates, soft delete) and host discovery.

Every function takes an open ``Connection``; callers own transactions.
"""
from __future__ import annotations

import uuid as uuidlib

import sqlalchemy as sa

from nubes.cells.cell_db.models import services as svc
from nubes.cells.records import ServiceRecord
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.service_names import COMPUTE_BINARY
from nubes.common.timeutils import utcnow

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


def _first(conn: sa.Connection, query) -> ServiceRecord | None:
    row = conn.execute(query).first()
    return None if row is None else _record(row)


# --- reads ---------------------------------------------------------------------

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
    return _first(conn, query)


def find_live(conn: sa.Connection, host: str, binary: str) -> ServiceRecord | None:
    return _first(conn, _live().where(svc.c.host == host, svc.c.binary == binary))


def compute_hosts(conn: sa.Connection) -> list[str]:
    """The hosts with a live compute service, sorted (discover_hosts --by-service)."""
    return list(conn.scalars(
        sa.select(svc.c.host).distinct()
        .where(svc.c.binary == COMPUTE_BINARY, svc.c.deleted == 0, svc.c.host.is_not(None))
        .order_by(svc.c.host)))


# --- writes --------------------------------------------------------------------

def insert_if_missing(conn: sa.Connection, *, host: str, binary: str, topic: str,
                      version: int, now) -> None:
    """Insert a live row unless (host, binary) or (host, topic) has one."""
    insert_ignoring_duplicates(conn, svc, [{
        "uuid": str(uuidlib.uuid4()), "host": host, "binary": binary, "topic": topic,
        "version": version, "report_count": 0, "created_at": now}])


def set_version(conn: sa.Connection, service_id: int, version: int, now) -> None:
    conn.execute(sa.update(svc).where(svc.c.id == service_id)
                 .values(version=version, updated_at=now))


def report_alive(conn: sa.Connection, service_id: int, now) -> bool:
    """Count one liveness report; False if the row is gone."""
    return conn.execute(
        sa.update(svc).where(svc.c.id == service_id, svc.c.deleted == 0)
        .values(report_count=svc.c.report_count + 1, last_seen_up=now,
                updated_at=now)).rowcount == 1


def update(conn: sa.Connection, service_id: int, **values) -> int:
    """Set columns of a live service (disabled, disabled_reason, forced_down)."""
    return conn.execute(sa.update(svc).where(svc.c.id == service_id, svc.c.deleted == 0)
                        .values(**values, updated_at=utcnow())).rowcount


def soft_delete(conn: sa.Connection, service_id: int) -> int:
    return conn.execute(sa.update(svc).where(svc.c.id == service_id, svc.c.deleted == 0)
                        .values(deleted=svc.c.id, deleted_at=utcnow())).rowcount
