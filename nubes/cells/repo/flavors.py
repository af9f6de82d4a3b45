"""SQL for flavors, their extra specs and project access (API database).

A flavor's public id is ``flavorid`` (a string); ``id`` is the row key
that extra specs and access rows point at.  Flavors are few, so listings
load the visible ones and the service sorts and pages them in Python
(one ordering on every backend, whatever its collation).
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import flavor_extra_specs as fes
from nubes.cells.api_db.models import flavor_projects as fp
from nubes.cells.api_db.models import flavors as fl
from nubes.cells.records import FlavorRecord
from nubes.common.timeutils import utcnow

_SPECS_OF = sa.select(fes.c.flavor_id, fes.c.key, fes.c.value).where(
    fes.c.flavor_id.in_(sa.bindparam("ids", expanding=True)))


def _load(conn: sa.Connection, where=None) -> list[FlavorRecord]:
    query = sa.select(fl).order_by(fl.c.id)
    if where is not None:
        query = query.where(where)
    rows = list(conn.execute(query))
    if not rows:
        return []
    specs: dict[int, dict[str, str]] = {r.id: {} for r in rows}
    ids = list(specs)
    for chunk in range(0, len(ids), 500):
        for r in conn.execute(_SPECS_OF, {"ids": ids[chunk:chunk + 500]}):
            specs[r.flavor_id][r.key] = r.value
    return [FlavorRecord(id=r.id, flavorid=r.flavorid, name=r.name, memory_mb=r.memory_mb,
                         vcpus=r.vcpus, root_gb=r.root_gb, ephemeral_gb=r.ephemeral_gb,
                         swap=r.swap, rxtx_factor=float(r.rxtx_factor),
                         vcpu_weight=r.vcpu_weight, disabled=bool(r.disabled),
                         is_public=bool(r.is_public), description=r.description,
                         created_at=r.created_at, updated_at=r.updated_at,
                         extra_specs=specs[r.id]) for r in rows]


def _accessible(project_id: str | None):
    """Public flavors, and private ones ``project_id`` was given access to."""
    if project_id is None:
        return fl.c.is_public == sa.true()
    granted = sa.select(fp.c.flavor_id).where(fp.c.project_id == project_id)
    return sa.or_(fl.c.is_public == sa.true(), fl.c.id.in_(granted))


def get(conn: sa.Connection, flavorid: str, *,
        visible_to: str | None = None, admin: bool = True) -> FlavorRecord | None:
    """By public id; a non-admin sees public flavors and those shared with
    ``visible_to``."""
    where = fl.c.flavorid == flavorid
    if not admin:
        where = sa.and_(where, _accessible(visible_to))
    found = _load(conn, where)
    return found[0] if found else None


def sizes_by_flavorid(conn: sa.Connection, flavorids: list[str]) -> dict[str, dict]:
    """Public id -> the row's ``id``, ``vcpus``, ``memory_mb``, ``root_gb``
    and ``ephemeral_gb``, for those of ``flavorids`` that exist."""
    found: dict[str, dict] = {}
    for chunk in range(0, len(flavorids), 500):
        rows = conn.execute(sa.select(fl.c.id, fl.c.flavorid, fl.c.vcpus, fl.c.memory_mb,
                                      fl.c.root_gb, fl.c.ephemeral_gb)
                            .where(fl.c.flavorid.in_(flavorids[chunk:chunk + 500])))
        found.update({r.flavorid: dict(r._mapping) for r in rows})
    return found


def get_by_name(conn: sa.Connection, name: str) -> FlavorRecord | None:
    found = _load(conn, fl.c.name == name)
    return found[0] if found else None


def list_flavors(conn: sa.Connection, *, is_public: bool | None, project_id: str | None,
                 include_disabled: bool, min_memory_mb: int | None = None,
                 min_root_gb: int | None = None) -> list[FlavorRecord]:
    """``is_public``: True = public plus those shared with ``project_id``,
    False = private only, None = all."""
    clauses = []
    if is_public is True:
        clauses.append(_accessible(project_id))
    elif is_public is False:
        clauses.append(fl.c.is_public == sa.false())
    if not include_disabled:
        clauses.append(fl.c.disabled == sa.false())
    # The minimums are bound as 64-bit: the API caps them at 2**31, one past
    # any flavor size, which a 32-bit bound cannot hold on PostgreSQL.
    if min_memory_mb is not None:
        clauses.append(fl.c.memory_mb >= sa.literal(min_memory_mb, sa.BigInteger))
    if min_root_gb is not None:
        clauses.append(fl.c.root_gb >= sa.literal(min_root_gb, sa.BigInteger))
    return _load(conn, sa.and_(*clauses) if clauses else None)


def exists(conn: sa.Connection, *, flavorid: str | None = None,
           name: str | None = None) -> bool:
    column, value = (fl.c.flavorid, flavorid) if flavorid is not None else (fl.c.name, name)
    return conn.execute(sa.select(fl.c.id).where(column == value)).first() is not None


def create(conn: sa.Connection, *, flavorid: str, name: str, memory_mb: int, vcpus: int,
           root_gb: int, ephemeral_gb: int = 0, swap: int = 0, rxtx_factor: float = 1.0,
           is_public: bool = True, description: str | None = None,
           extra_specs: dict[str, str] | None = None) -> int:
    now = utcnow()
    new_id = conn.execute(sa.insert(fl).values(
        flavorid=flavorid, name=name, memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
        ephemeral_gb=ephemeral_gb, swap=swap, rxtx_factor=rxtx_factor, disabled=False,
        is_public=is_public, description=description, created_at=now)).inserted_primary_key[0]
    if extra_specs:
        set_extra_specs(conn, new_id, extra_specs)
    return new_id


def set_description(conn: sa.Connection, row_id: int, description: str | None) -> None:
    conn.execute(sa.update(fl).where(fl.c.id == row_id)
                 .values(description=description, updated_at=utcnow()))


def delete(conn: sa.Connection, row_id: int) -> int:
    conn.execute(sa.delete(fes).where(fes.c.flavor_id == row_id))
    conn.execute(sa.delete(fp).where(fp.c.flavor_id == row_id))
    return conn.execute(sa.delete(fl).where(fl.c.id == row_id)).rowcount


# --- extra specs ------------------------------------------------------------------

def set_extra_specs(conn: sa.Connection, row_id: int, specs: dict[str, str]) -> None:
    """Create or overwrite each key."""
    now = utcnow()
    for key, value in sorted(specs.items()):
        updated = conn.execute(sa.update(fes).where(fes.c.flavor_id == row_id, fes.c.key == key)
                               .values(value=value, updated_at=now)).rowcount
        if not updated:
            conn.execute(sa.insert(fes).values(flavor_id=row_id, key=key, value=value,
                                               created_at=now))


def delete_extra_spec(conn: sa.Connection, row_id: int, key: str) -> int:
    return conn.execute(sa.delete(fes).where(fes.c.flavor_id == row_id,
                                             fes.c.key == key)).rowcount


# --- project access -----------------------------------------------------------------

def access_list(conn: sa.Connection, row_id: int) -> list[str]:
    return list(conn.scalars(sa.select(fp.c.project_id).where(fp.c.flavor_id == row_id)
                             .order_by(fp.c.id)))


def add_access(conn: sa.Connection, row_id: int, project_id: str) -> bool:
    """False when the project already had access."""
    if conn.execute(sa.select(fp.c.id).where(fp.c.flavor_id == row_id,
                                             fp.c.project_id == project_id)).first():
        return False
    conn.execute(sa.insert(fp).values(flavor_id=row_id, project_id=project_id,
                                      created_at=utcnow()))
    return True


def remove_access(conn: sa.Connection, row_id: int, project_id: str) -> int:
    return conn.execute(sa.delete(fp).where(fp.c.flavor_id == row_id,
                                            fp.c.project_id == project_id)).rowcount
