"""SQL for the flat fast path (:mod:`.flat`): SQLAlchemy Core statements
(compiled once per shape by SQLAlchemy's cache) whose rows are fetched
as plain DBAPI tuples, with as few columns as the answer needs.

Everything runs in the caller's single read transaction.  Capacity
(``int((total - reserved) * allocation_ratio)``, truncated toward zero
as Python's ``int()`` does) and usage are computed by the database, and
so is whether a row can give the requested amount of its class, so a
row is five small integers.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.placement.candidates import search
from nubes.placement.models import (allocations, inventories,
                                    resource_provider_traits as rpt,
                                    resource_providers as rp, traits)


def _fetch(conn, query) -> list[tuple]:
    """Plain tuples from the driver, without SQLAlchemy's row objects."""
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def has_nested(conn) -> bool:
    """Whether any provider has a parent (then trees are not all flat)."""
    return conn.execute(sa.select(rp.c.id).where(rp.c.parent_provider_id.is_not(None))
                        .limit(1)).first() is not None


def _capacity(dialect: str) -> sa.ColumnElement:
    raw = (inventories.c.total - inventories.c.reserved) * inventories.c.allocation_ratio
    if dialect == "sqlite":
        return sa.cast(raw, sa.Integer)           # CAST truncates toward zero
    if dialect == "mysql":
        return sa.cast(sa.func.truncate(raw, 0), sa.BigInteger)  # CAST alone rounds
    return sa.cast(sa.func.trunc(raw), sa.BigInteger)            # so does PostgreSQL's


def _used() -> sa.ColumnElement:
    return sa.cast(sa.func.coalesce(
        sa.select(sa.func.sum(allocations.c.used))
        .where(allocations.c.resource_provider_id == inventories.c.resource_provider_id,
               allocations.c.resource_class_id == inventories.c.resource_class_id)
        .scalar_subquery(), 0), sa.BigInteger)


def _scope(query: sa.Select, flt: search.GroupFilter, pid_col,
           window: tuple[int, int] | None, also: set[int],
           trait_gates: list[set[int]]) -> sa.Select | None:
    """The group's per-provider filters, the id window (plus ``also``)
    and the trait gates: each a set of trait ids of which a provider
    must have one, unless it is in ``also``."""
    query = search._provider_filters(query, flt)
    if query is None:
        return None
    if window is not None:
        lo, hi = window
        in_window = sa.and_(pid_col >= lo, pid_col < hi)
        if also:
            in_window = sa.or_(in_window, pid_col.in_(sorted(also)))
        query = query.where(in_window)
    for gate in trait_gates:
        has = sa.exists().where(rpt.c.resource_provider_id == pid_col,
                                rpt.c.trait_id.in_(sorted(gate)))
        query = query.where(sa.or_(has, pid_col.in_(sorted(also))) if also else has)
    return query


def inventory_rows(conn, flt: search.GroupFilter, window, also, trait_gates
                   ) -> list[tuple]:
    """``(provider_id, class_id, capacity, used, fits)`` for every inventory
    (all classes) of the providers in scope, by provider then class;
    ``fits``: the row's class is requested and the row can give it."""
    capacity, used = _capacity(conn.dialect.name), _used()
    cid = inventories.c.resource_class_id
    whens = []
    for class_id, amount in sorted(flt.amounts.items()):
        whens.append((cid == class_id, sa.and_(
            inventories.c.min_unit <= amount, inventories.c.max_unit >= amount,
            sa.literal(amount, sa.Integer) % inventories.c.step_size == 0,
            capacity - used >= amount)))
    fits = sa.case(*whens, else_=sa.false())
    pid = inventories.c.resource_provider_id
    query = (sa.select(pid, cid, capacity, used, fits)
             .select_from(inventories.join(rp, rp.c.id == pid)))
    query = _scope(query, flt, pid, window, also, trait_gates)
    if query is None:
        return []
    return _fetch(conn, query.order_by(pid, cid))


def provider_uuids(conn, flt: search.GroupFilter, window, also, trait_gates
                   ) -> list[tuple]:
    """``(id, uuid)`` of the providers in scope."""
    query = _scope(sa.select(rp.c.id, rp.c.uuid), flt, rp.c.id, window, also, trait_gates)
    return [] if query is None else _fetch(conn, query)


def provider_traits(conn, flt: search.GroupFilter, window, also, trait_gates
                    ) -> list[tuple]:
    """``(provider_id, trait name)`` for the providers in scope, by name."""
    query = (sa.select(rp.c.id, traits.c.name)
             .select_from(rp.join(rpt, rpt.c.resource_provider_id == rp.c.id)
                          .join(traits, traits.c.id == rpt.c.trait_id)))
    query = _scope(query, flt, rp.c.id, window, also, trait_gates)
    return [] if query is None else _fetch(conn, query.order_by(traits.c.name))


def sharing_with_traits(conn, sharing: set[int], trait_ids: set[int]) -> set[int]:
    """Those of ``trait_ids`` some sharing provider has."""
    if not sharing or not trait_ids:
        return set()
    return set(conn.scalars(sa.select(rpt.c.trait_id).distinct().where(
        rpt.c.resource_provider_id.in_(sorted(sharing)),
        rpt.c.trait_id.in_(sorted(trait_ids)))))
