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
                                    resource_provider_aggregates as rpa,
                                    resource_provider_traits as rpt,
                                    resource_providers as rp, traits)


def _fetch(conn, query) -> list[tuple]:
    """Plain tuples from the driver, without SQLAlchemy's row objects."""
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def shape(conn) -> tuple[int | None, bool]:
    """The highest provider id, and whether any provider has a parent
    (then trees are not all flat): one statement, two index lookups."""
    top, parent = conn.execute(sa.select(sa.func.max(rp.c.id),
                                         sa.func.max(rp.c.parent_provider_id))).one()
    return top, parent is not None


def _capacity(dialect: str) -> sa.ColumnElement:
    raw = (inventories.c.total - inventories.c.reserved) * inventories.c.allocation_ratio
    if dialect == "sqlite":
        return sa.cast(raw, sa.Integer)           # CAST truncates toward zero
    if dialect == "mysql":
        return sa.cast(sa.func.truncate(raw, 0), sa.BigInteger)  # CAST alone rounds
    return sa.cast(sa.func.trunc(raw), sa.BigInteger)            # so does PostgreSQL's


def _usage_table(window, also: set[int]) -> sa.Subquery:
    """Usage per provider and class (of the window's providers, if any),
    joined once: evaluated once per row, not per reference, and cheaper
    than an index probe per row on PostgreSQL even for a small window."""
    holder = allocations.c.resource_provider_id
    query = (sa.select(holder.label("pid"), allocations.c.resource_class_id.label("cid"),
                       sa.func.sum(allocations.c.used).label("used"))
             .group_by(holder, allocations.c.resource_class_id))
    if window is not None:
        in_window = sa.and_(holder >= window[0], holder < window[1])
        if also:
            in_window = sa.or_(in_window, holder.in_(sorted(also)))
        query = query.where(in_window)
    return query.subquery("usage")


def _members(table, column, ids) -> sa.Select:
    """Providers with a row of ``table`` whose ``column`` is in ``ids``."""
    alias = table.alias()
    return sa.select(alias.c.resource_provider_id).where(alias.c[column].in_(sorted(ids)))


def _filters(query: sa.Select, flt: search.GroupFilter, pid_col) -> sa.Select | None:
    """The group's per-provider filters on a provider id column, as the
    general path's (:func:`search._provider_filters`) read for flat trees
    (a provider is its tree's root); ``IN (subquery)`` without ``OR``, so
    that the planners start from the few members.  None: nothing matches."""
    for agg_ids in flt.any_of_aggs:
        if not agg_ids:
            return None
        query = query.where(pid_col.in_(_members(rpa, "aggregate_id", agg_ids)))
    if flt.forbidden_aggs:
        query = query.where(pid_col.not_in(_members(rpa, "aggregate_id", flt.forbidden_aggs)))
    if flt.tree_root is not None:
        query = query.where(pid_col == flt.tree_root)
    if flt.forbidden_traits:
        query = query.where(pid_col.not_in(_members(rpt, "trait_id", flt.forbidden_traits)))
    for trait_id in sorted(flt.required_traits):
        query = query.where(pid_col.in_(_members(rpt, "trait_id", {trait_id})))
    for ids in flt.any_of_traits:
        query = query.where(pid_col.in_(_members(rpt, "trait_id", ids)))
    return query


def _scope(query: sa.Select, flt: search.GroupFilter, pid_col,
           window: tuple[int, int] | None, also: set[int],
           trait_gates: list[set[int]], joined: bool = False) -> sa.Select | None:
    """The group's per-provider filters, the id window (plus ``also``)
    and the trait gates: each a set of trait ids of which a provider
    must have one, unless it is in ``also``."""
    query = _filters(query, flt, pid_col)
    if query is None:
        return None
    if window is not None:
        lo, hi = window
        # On the provider id of every table read (so that the planner
        # restricts each by index, not by hashing a whole table).
        for col in {pid_col, rp.c.id} if joined else {pid_col}:
            in_window = sa.and_(col >= lo, col < hi)
            if also:
                in_window = sa.or_(in_window, col.in_(sorted(also)))
            query = query.where(in_window)
    for gate in trait_gates:
        # One IN (subquery) per gate, no OR: the planners then read the
        # few providers with the trait by index instead of testing every row.
        passing = _members(rpt, "trait_id", gate)
        if also:
            passing = sa.union(passing, sa.select(rp.c.id).where(rp.c.id.in_(sorted(also))))
        query = query.where(pid_col.in_(passing))
    return query


def inventory_rows(conn, flt: search.GroupFilter, window, also, trait_gates
                   ) -> list[tuple]:
    """``(provider_id, class_id, capacity, used, fits)`` for every inventory
    (all classes) of the providers in scope, by provider then class;
    ``fits``: the row's class is requested and the row can give it.  In a
    window, a sixth column: the provider's uuid (few rows: cheaper than a
    statement of its own, which reading every provider is not)."""
    pid, cid = inventories.c.resource_provider_id, inventories.c.resource_class_id
    # The providers table only for the uuids of a window (a join costs).
    with_rp = window is not None
    source = inventories.join(rp, rp.c.id == pid) if with_rp else inventories
    usage = _usage_table(window, also)
    source = source.outerjoin(usage, sa.and_(usage.c.pid == pid, usage.c.cid == cid))
    used = sa.cast(sa.func.coalesce(usage.c.used, 0), sa.BigInteger)
    capacity = _capacity(conn.dialect.name)
    whens = []
    for class_id, amount in sorted(flt.amounts.items()):
        whens.append((cid == class_id, sa.and_(
            inventories.c.min_unit <= amount, inventories.c.max_unit >= amount,
            sa.literal(amount, sa.Integer) % inventories.c.step_size == 0,
            capacity - used >= amount)))
    fits = sa.case(*whens, else_=sa.false())
    columns = [pid, cid, capacity, used, fits] + ([rp.c.uuid] if window is not None else [])
    query = sa.select(*columns).select_from(source)
    query = _scope(query, flt, pid, window, also, trait_gates, joined=with_rp)
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
    scoped = _scope(sa.select(rp.c.id), flt, rp.c.id, window, also, trait_gates)
    if scoped is None:
        return []
    query = (sa.select(rpt.c.resource_provider_id, traits.c.name)
             .select_from(rpt.join(traits, traits.c.id == rpt.c.trait_id))
             .where(rpt.c.resource_provider_id.in_(scoped.scalar_subquery()))
             .order_by(traits.c.name))
    return _fetch(conn, query)


def sharing_links(conn, sharing: set[int], window) -> list[tuple[int, int]]:
    """``(sharing provider, provider)`` for the providers (in the window)
    sharing an aggregate with one of ``sharing``: in flat trees, the trees
    it lends to."""
    if not sharing:
        return []
    mine, theirs = rpa.alias("mine"), rpa.alias("theirs")
    query = (sa.select(mine.c.resource_provider_id, theirs.c.resource_provider_id)
             .select_from(mine.join(theirs, theirs.c.aggregate_id == mine.c.aggregate_id))
             .where(mine.c.resource_provider_id.in_(sorted(sharing))))
    if window is not None:
        query = query.where(theirs.c.resource_provider_id >= window[0],
                            theirs.c.resource_provider_id < window[1])
    return _fetch(conn, query)


def sharing_with_traits(conn, sharing: set[int], trait_ids: set[int]) -> set[int]:
    """Those of ``trait_ids`` some sharing provider has."""
    if not sharing or not trait_ids:
        return set()
    return set(conn.scalars(sa.select(rpt.c.trait_id).distinct().where(
        rpt.c.resource_provider_id.in_(sorted(sharing)),
        rpt.c.trait_id.in_(sorted(trait_ids)))))
