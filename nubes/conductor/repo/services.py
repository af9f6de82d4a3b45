"""SQL for the ``services`` table (cell database)."""
from __future__ import annotations

import uuid as uuidlib

import sqlalchemy as sa

from nubes.cells.cell_db.models import services
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.conductor.messages import ServiceRecord

_COLUMNS = (services.c.id, services.c.uuid, services.c.host, services.c.binary,
            services.c.topic, services.c.report_count, services.c.disabled,
            services.c.disabled_reason, services.c.forced_down, services.c.last_seen_up,
            services.c.version)


def _record(row) -> ServiceRecord:
    return ServiceRecord(id=row.id, uuid=row.uuid, host=row.host, binary=row.binary,
                         topic=row.topic, report_count=row.report_count,
                         disabled=bool(row.disabled), disabled_reason=row.disabled_reason,
                         forced_down=bool(row.forced_down), last_seen_up=row.last_seen_up,
                         version=row.version)


def get_live(conn: sa.Connection, host: str, binary: str) -> ServiceRecord | None:
    row = conn.execute(sa.select(*_COLUMNS).where(
        services.c.host == host, services.c.binary == binary,
        services.c.deleted == 0)).first()
    return None if row is None else _record(row)


def get_by_id(conn: sa.Connection, service_id: int) -> ServiceRecord | None:
    row = conn.execute(sa.select(*_COLUMNS).where(
        services.c.id == service_id, services.c.deleted == 0)).first()
    return None if row is None else _record(row)


def insert_if_missing(conn: sa.Connection, *, host: str, binary: str, topic: str,
                      version: int, now) -> None:
    """Insert a live row unless (host, binary) or (host, topic) has one."""
    insert_ignoring_duplicates(conn, services, [{
        "uuid": str(uuidlib.uuid4()), "host": host, "binary": binary, "topic": topic,
        "version": version, "report_count": 0, "created_at": now}])


def set_version(conn: sa.Connection, service_id: int, version: int, now) -> None:
    conn.execute(sa.update(services).where(services.c.id == service_id)
                 .values(version=version, updated_at=now))


def report_alive(conn: sa.Connection, service_id: int, now) -> bool:
    """Count one liveness report; False if the row is gone."""
    return conn.execute(
        sa.update(services).where(services.c.id == service_id, services.c.deleted == 0)
        .values(report_count=services.c.report_count + 1, last_seen_up=now,
                updated_at=now)).rowcount == 1
