"""SQL for traits and provider-trait associations."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow
from nubes.placement.models import resource_provider_traits as rpt, traits

_COLUMNS = (traits.c.id, traits.c.name, traits.c.created_at, traits.c.updated_at)


def insert_missing(conn: sa.Connection, names: list[str]) -> None:
    existing = set(conn.scalars(sa.select(traits.c.name)))
    now = utcnow()
    insert_ignoring_duplicates(conn, traits, [{"name": n, "created_at": now}
                                              for n in names if n not in existing])


def _starts_with(prefix: str) -> sa.ColumnElement[bool]:
    """Case-sensitive prefix match on every backend: LIKE narrows (and can
    use the name index), the substring comparison makes it exact, since
    SQLite's LIKE ignores ASCII case."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.and_(traits.c.name.like(escaped + "%", escape="\\"),
                   sa.func.substr(traits.c.name, 1, len(prefix)) == prefix)


def list_filtered(conn: sa.Connection, *, prefix: str | None = None,
                  names: list[str] | None = None,
                  associated: bool | None = None) -> list[sa.Row]:
    """Traits by name, filtered by a name prefix, a name list and whether
    any provider has them."""
    query = sa.select(*_COLUMNS)
    if prefix is not None:
        query = query.where(_starts_with(prefix))
    if names is not None:
        query = query.where(traits.c.name.in_(sorted(set(names))))
    if associated is not None:
        used = sa.exists().where(rpt.c.trait_id == traits.c.id)
        query = query.where(used if associated else ~used)
    return list(conn.execute(query.order_by(traits.c.name)))


def get_by_name(conn: sa.Connection, name: str) -> sa.Row | None:
    return conn.execute(sa.select(*_COLUMNS).where(traits.c.name == name)).first()


def ids_by_name(conn: sa.Connection, names) -> dict[str, int]:
    names = sorted(set(names))
    if not names:
        return {}
    return {row.name: row.id for row in
            conn.execute(sa.select(traits.c.id, traits.c.name).where(traits.c.name.in_(names)))}


def create(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.insert(traits).values(name=name, created_at=utcnow()))


def delete(conn: sa.Connection, trait_id: int) -> None:
    conn.execute(sa.delete(traits).where(traits.c.id == trait_id))


def in_use(conn: sa.Connection, trait_id: int) -> bool:
    """True when at least one provider has the trait."""
    return conn.execute(sa.select(rpt.c.trait_id).where(rpt.c.trait_id == trait_id)
                        .limit(1)).first() is not None


# -- provider associations ----------------------------------------------------

def for_provider(conn: sa.Connection, provider_id: int) -> list[sa.Row]:
    """The provider's traits (id, name, and when the association was made),
    by name."""
    return list(conn.execute(
        sa.select(traits.c.id, traits.c.name,
                  rpt.c.created_at, rpt.c.updated_at)
        .select_from(rpt.join(traits, traits.c.id == rpt.c.trait_id))
        .where(rpt.c.resource_provider_id == provider_id)
        .order_by(traits.c.name)))


def associate(conn: sa.Connection, provider_id: int, trait_ids) -> None:
    now = utcnow()
    rows = [{"resource_provider_id": provider_id, "trait_id": t, "created_at": now}
            for t in sorted(set(trait_ids))]
    if rows:
        conn.execute(sa.insert(rpt), rows)


def dissociate(conn: sa.Connection, provider_id: int, trait_ids=None) -> None:
    """Remove some (``trait_ids``) or all of the provider's traits."""
    query = sa.delete(rpt).where(rpt.c.resource_provider_id == provider_id)
    if trait_ids is not None:
        trait_ids = sorted(set(trait_ids))
        if not trait_ids:
            return
        query = query.where(rpt.c.trait_id.in_(trait_ids))
    conn.execute(query)
