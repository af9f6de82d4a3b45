"""SQL for volume types, their extra specs and the projects of private types."""
from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa

from nubes.common.db import key_values
from nubes.common.timeutils import utcnow
from nubes.volume.models import volume_type_extra_specs as specs
from nubes.volume.models import volume_type_projects as access
from nubes.volume.models import volume_types as vt
from nubes.volume.models import volumes


@dataclasses.dataclass(frozen=True)
class TypeRecord:
    id: str
    name: str
    description: str | None
    is_public: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime | None
    extra_specs: dict[str, str]


def _records(conn: sa.Connection, rows) -> list[TypeRecord]:
    rows = list(rows)
    if not rows:
        return []
    found: dict[str, dict[str, str]] = {r.id: {} for r in rows}
    ids = list(found)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in conn.execute(sa.select(specs.c.volume_type_id, specs.c.key, specs.c.value)
                              .where(specs.c.volume_type_id.in_(chunk))):
            found[r.volume_type_id][r.key] = r.value
    return [TypeRecord(id=r.id, name=r.name, description=r.description,
                       is_public=bool(r.is_public), created_at=r.created_at,
                       updated_at=r.updated_at, extra_specs=found[r.id]) for r in rows]


def get(conn: sa.Connection, type_id: str) -> TypeRecord | None:
    found = _records(conn, conn.execute(sa.select(vt).where(vt.c.id == type_id)))
    return found[0] if found else None


def get_by_name(conn: sa.Connection, name: str) -> TypeRecord | None:
    found = _records(conn, conn.execute(sa.select(vt).where(vt.c.name == name)))
    return found[0] if found else None


def visible_to(project_id: str | None):
    """The condition "public, or private and shared with ``project_id``"."""
    shared = sa.select(access.c.volume_type_id).where(access.c.project_id == project_id)
    return sa.or_(vt.c.is_public.is_(True), vt.c.id.in_(shared))


def list_types(conn: sa.Connection, *, project_id: str | None,
               is_public: bool | None) -> list[TypeRecord]:
    """Types ordered by name; ``project_id`` None sees every type
    (admins), else public ones and private ones shared with the project.
    ``is_public`` narrows to public (True) or private (False) types."""
    query = sa.select(vt).order_by(vt.c.name)
    if project_id is not None:
        query = query.where(visible_to(project_id))
    if is_public is not None:
        query = query.where(vt.c.is_public.is_(is_public))
    return _records(conn, conn.execute(query))


def is_visible(conn: sa.Connection, type_id: str, project_id: str) -> bool:
    return conn.execute(sa.select(vt.c.id).where(vt.c.id == type_id,
                                                 visible_to(project_id))).first() is not None


def insert(conn: sa.Connection, *, type_id: str, name: str, description: str | None,
           is_public: bool, extra_specs: dict[str, str]) -> None:
    now = utcnow()
    conn.execute(sa.insert(vt).values(id=type_id, name=name, description=description,
                                      is_public=is_public, created_at=now))
    set_extra_specs(conn, type_id, extra_specs)


def update(conn: sa.Connection, type_id: str, values: dict) -> int:
    return conn.execute(sa.update(vt).where(vt.c.id == type_id)
                        .values(**values, updated_at=utcnow())).rowcount


def delete(conn: sa.Connection, type_id: str) -> int:
    conn.execute(sa.delete(specs).where(specs.c.volume_type_id == type_id))
    conn.execute(sa.delete(access).where(access.c.volume_type_id == type_id))
    return conn.execute(sa.delete(vt).where(vt.c.id == type_id)).rowcount


def in_use(conn: sa.Connection, type_id: str) -> bool:
    return conn.execute(sa.select(volumes.c.id).where(volumes.c.volume_type_id == type_id)
                        .limit(1)).first() is not None


def set_extra_specs(conn: sa.Connection, type_id: str, changes: dict[str, str | None]) -> None:
    key_values.set_keys(conn, specs.c.volume_type_id, type_id, specs.c.key, changes, utcnow())


def projects(conn: sa.Connection, type_id: str) -> list[str]:
    return list(conn.scalars(sa.select(access.c.project_id)
                             .where(access.c.volume_type_id == type_id)
                             .order_by(access.c.project_id)))


def add_project(conn: sa.Connection, type_id: str, project_id: str) -> bool:
    """False when the project already had access."""
    if conn.execute(sa.select(access.c.id).where(access.c.volume_type_id == type_id,
                                                 access.c.project_id == project_id)).first():
        return False
    conn.execute(sa.insert(access).values(volume_type_id=type_id, project_id=project_id,
                                          created_at=utcnow()))
    return True


def remove_project(conn: sa.Connection, type_id: str, project_id: str) -> bool:
    return bool(conn.execute(sa.delete(access).where(
        access.c.volume_type_id == type_id, access.c.project_id == project_id)).rowcount)
