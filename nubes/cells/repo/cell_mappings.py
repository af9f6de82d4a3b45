"""SQL for cell mappings (API database)."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import cell_mappings as cm
from nubes.cells.records import CellMapping
from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow

_COLUMNS = (cm.c.id, cm.c.uuid, cm.c.name, cm.c.transport_url, cm.c.database_connection,
            cm.c.disabled)


def _record(row) -> CellMapping:
    return CellMapping(id=row.id, uuid=row.uuid, name=row.name,
                       transport_url=row.transport_url,
                       database_connection=row.database_connection,
                       disabled=bool(row.disabled))


def list_all(conn: sa.Connection) -> list[CellMapping]:
    return [_record(r) for r in conn.execute(sa.select(*_COLUMNS).order_by(cm.c.id))]


def get_by_uuid(conn: sa.Connection, uuid: str) -> CellMapping | None:
    row = conn.execute(sa.select(*_COLUMNS).where(cm.c.uuid == uuid)).first()
    return None if row is None else _record(row)


def get_by_id(conn: sa.Connection, cell_id: int) -> CellMapping | None:
    row = conn.execute(sa.select(*_COLUMNS).where(cm.c.id == cell_id)).first()
    return None if row is None else _record(row)


def find_by_urls(conn: sa.Connection, transport_url: str,
                 database_connection: str) -> list[CellMapping]:
    # TEXT columns cannot carry a unique key on MySQL; callers check here.
    return [_record(r) for r in conn.execute(
        sa.select(*_COLUMNS).where(cm.c.transport_url == transport_url,
                                   cm.c.database_connection == database_connection))]


def create(conn: sa.Connection, *, uuid: str, name: str | None, transport_url: str,
           database_connection: str, disabled: bool = False) -> CellMapping:
    conn.execute(sa.insert(cm).values(
        uuid=uuid, name=name, transport_url=transport_url,
        database_connection=database_connection, disabled=disabled, created_at=utcnow()))
    return get_by_uuid(conn, uuid)


def create_if_missing(conn: sa.Connection, *, uuid: str, name: str | None,
                      transport_url: str, database_connection: str) -> bool:
    """Insert unless the uuid exists (safe when racing).  True if inserted."""
    before = get_by_uuid(conn, uuid)
    if before is not None:
        return False
    insert_ignoring_duplicates(conn, cm, [{
        "uuid": uuid, "name": name, "transport_url": transport_url,
        "database_connection": database_connection, "disabled": False,
        "created_at": utcnow()}])
    return True


def update(conn: sa.Connection, cell_id: int, **values) -> None:
    conn.execute(sa.update(cm).where(cm.c.id == cell_id).values(**values,
                                                                updated_at=utcnow()))


def delete(conn: sa.Connection, cell_id: int) -> None:
    conn.execute(sa.delete(cm).where(cm.c.id == cell_id))
