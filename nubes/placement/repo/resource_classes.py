"""SQL for resource classes."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow
from nubes.placement.models import allocations, inventories, resource_classes as rc


def insert_missing(conn: sa.Connection, names: list[str]) -> None:
    existing = set(conn.scalars(sa.select(rc.c.name)))
    now = utcnow()
    insert_ignoring_duplicates(conn, rc, [{"name": n, "created_at": now}
                                          for n in names if n not in existing])


def list_all(conn: sa.Connection) -> list[sa.Row]:
    return list(conn.execute(sa.select(rc.c.id, rc.c.name, rc.c.created_at, rc.c.updated_at)
                             .order_by(rc.c.id)))


def get_by_name(conn: sa.Connection, name: str) -> sa.Row | None:
    return conn.execute(sa.select(rc.c.id, rc.c.name, rc.c.created_at, rc.c.updated_at)
                        .where(rc.c.name == name)).first()


def ids_by_name(conn: sa.Connection, names) -> dict[str, int]:
    names = list(set(names))
    if not names:
        return {}
    return {row.name: row.id for row in
            conn.execute(sa.select(rc.c.id, rc.c.name).where(rc.c.name.in_(names)))}


def names_by_id(conn: sa.Connection, ids) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {row.id: row.name for row in
            conn.execute(sa.select(rc.c.id, rc.c.name).where(rc.c.id.in_(ids)))}


def create(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.insert(rc).values(name=name, created_at=utcnow()))


def rename(conn: sa.Connection, class_id: int, new_name: str) -> None:
    conn.execute(sa.update(rc).where(rc.c.id == class_id)
                 .values(name=new_name, updated_at=utcnow()))


def delete(conn: sa.Connection, class_id: int) -> None:
    conn.execute(sa.delete(rc).where(rc.c.id == class_id))


def in_use(conn: sa.Connection, class_id: int) -> bool:
    """True when an inventory or an allocation names the class."""
    inv = conn.execute(sa.select(inventories.c.id)
                       .where(inventories.c.resource_class_id == class_id).limit(1)).first()
    if inv is not None:
        return True
    return conn.execute(sa.select(allocations.c.id)
                        .where(allocations.c.resource_class_id == class_id).limit(1)).first() is not None
