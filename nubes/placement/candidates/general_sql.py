"""The general path's SQL (:mod:`.general`): SQLAlchemy Core, one
statement per kind of fact, every one run inside the caller's (single,
read) transaction.  The lookups every path makes first (names to ids,
the ``in_tree`` provider, who shares) are in :mod:`.lookup_sql`.

What is pushed to SQL is what can be decided per provider: capacity for
the group's amount of each class (min_unit, max_unit, step_size, usage),
aggregate membership (directly or via the root), tree membership, and
forbidden traits.  Required and any-of traits of the unsuffixed group are
decided per candidate (the union of the traits of the providers that
serve the group), so they are left to the assembler; for granular groups
they are per provider and go to SQL too.
"""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.placement.candidates import lookup_sql
from nubes.placement.candidates.contract import GroupFilter
from nubes.placement.models import (allocations, inventories, resource_classes,
                                    resource_provider_aggregates as rpa,
                                    resource_provider_traits as rpt,
                                    resource_providers as rp, traits)

# Above this many trees the summary queries read whole tables and filter
# in Python: cheaper than huge IN lists (and SQLite's variable limit).
_IN_LIST_MAX = 400


# Statements every request runs, built once (building a Select costs
# about as much as running a small one).
_MAX_PROVIDER_ID = sa.select(sa.func.max(rp.c.id))


def _used(class_col) -> sa.ScalarSelect:
    return (sa.select(sa.func.coalesce(sa.func.sum(allocations.c.used), 0))
            .where(allocations.c.resource_provider_id == inventories.c.resource_provider_id,
                   allocations.c.resource_class_id == class_col)
            .scalar_subquery())


def _in_aggs(agg_ids: set[int], on_root: bool) -> sa.ColumnElement[bool]:
    """The provider (or, ``on_root``, its tree's root) is in an aggregate."""
    members = sa.select(rpa.c.resource_provider_id).where(rpa.c.aggregate_id.in_(sorted(agg_ids)))
    if not on_root:
        return rp.c.id.in_(members)
    return sa.or_(rp.c.id.in_(members), rp.c.root_provider_id.in_(members))


def _has_trait(ids: Iterable[int]) -> sa.ColumnElement[bool]:
    return sa.exists().where(rpt.c.resource_provider_id == rp.c.id,
                             rpt.c.trait_id.in_(sorted(ids)))


def _provider_filters(query: sa.Select, flt: GroupFilter) -> sa.Select | None:
    """Per-provider filters; None when the group can match nothing."""
    if flt.root_range is not None:
        lo, hi = flt.root_range
        in_window = sa.and_(rp.c.root_provider_id >= lo, rp.c.root_provider_id < hi)
        if flt.also:
            in_window = sa.or_(in_window, rp.c.id.in_(sorted(flt.also)))
        query = query.where(in_window)
    for agg_ids in flt.any_of_aggs:
        if not agg_ids:
            return None
        query = query.where(_in_aggs(agg_ids, flt.aggs_on_root))
    if flt.forbidden_aggs:
        query = query.where(~_in_aggs(flt.forbidden_aggs, flt.aggs_on_root))
    if flt.tree_root is not None:
        query = query.where(rp.c.root_provider_id == flt.tree_root)
    if flt.forbidden_traits:
        query = query.where(~_has_trait(flt.forbidden_traits))
    for trait_id in sorted(flt.required_traits):
        query = query.where(_has_trait([trait_id]))
    for ids in flt.any_of_traits:
        query = query.where(_has_trait(ids))
    return query


def provider_inventories(conn, flt: GroupFilter) -> list[tuple]:
    """Rows ``(provider_id, class_id, uuid, parent_id, root_id, total,
    reserved, allocation_ratio, min_unit, max_unit, step_size, used)``: every
    inventory of the group's classes on a provider passing the group's
    filters, by provider id.  Capacity is checked by the caller
    (:func:`fits`): one index probe for usage per row, and the same rows
    serve the provider summaries."""
    query = (sa.select(inventories.c.resource_provider_id, inventories.c.resource_class_id,
                       rp.c.uuid, rp.c.parent_provider_id, rp.c.root_provider_id,
                       inventories.c.total, inventories.c.reserved,
                       inventories.c.allocation_ratio, inventories.c.min_unit,
                       inventories.c.max_unit, inventories.c.step_size,
                       _used(inventories.c.resource_class_id))
             .select_from(inventories.join(rp, rp.c.id == inventories.c.resource_provider_id))
             .where(inventories.c.resource_class_id.in_(sorted(flt.amounts))))
    query = _provider_filters(query, flt)
    if query is None:
        return []
    return conn.execute(query.order_by(inventories.c.resource_provider_id)).all()


def providers_matching(conn, flt: GroupFilter) -> list[tuple]:
    """A resourceless group: ``(id, uuid, parent_id, root_id)`` of every
    provider passing the group's filters."""
    query = sa.select(rp.c.id, rp.c.uuid, rp.c.parent_provider_id, rp.c.root_provider_id)
    query = _provider_filters(query, flt)
    if query is None:
        return []
    return conn.execute(query.order_by(rp.c.id)).all()


def max_provider_id(conn) -> int | None:
    return conn.scalar(_MAX_PROVIDER_ID)


def sharing_providers(conn) -> set[int]:
    return set(conn.scalars(lookup_sql.SHARING_PROVIDERS))


def sharing_links(conn, sharing_ids: set[int]) -> dict[int, set[int]]:
    """Sharing provider id -> roots of every tree it lends to: the trees
    with a provider in one of its aggregates, and its own tree."""
    links: dict[int, set[int]] = {}
    if not sharing_ids:
        return links
    mine = rpa.alias("mine")
    theirs = rpa.alias("theirs")
    rows = conn.execute(
        sa.select(mine.c.resource_provider_id, rp.c.root_provider_id).distinct()
        .select_from(mine.join(theirs, theirs.c.aggregate_id == mine.c.aggregate_id)
                     .join(rp, rp.c.id == theirs.c.resource_provider_id))
        .where(mine.c.resource_provider_id.in_(sorted(sharing_ids))))
    for sid, root in rows:
        links.setdefault(sid, set()).add(root)
    for sid, root in conn.execute(sa.select(rp.c.id, rp.c.root_provider_id)
                                  .where(rp.c.id.in_(sorted(sharing_ids)))):
        links.setdefault(sid, set()).add(root)
    return links


def providers_with_traits(conn, ids: set[int]) -> dict[int, set[int]]:
    """Provider id -> those of ``ids`` it has (providers with none are absent)."""
    out: dict[int, set[int]] = {}
    if not ids:
        return out
    for pid, tid in conn.execute(sa.select(rpt.c.resource_provider_id, rpt.c.trait_id)
                                 .where(rpt.c.trait_id.in_(sorted(ids)))):
        out.setdefault(pid, set()).add(tid)
    return out


def tree_parents(conn, roots: set[int]) -> dict[int, int | None]:
    """Provider id -> parent id for every provider of the given trees."""
    out: dict[int, int | None] = {}
    for pid, parent, root in _by_roots(conn, sa.select(rp.c.id, rp.c.parent_provider_id,
                                                       rp.c.root_provider_id), roots,
                                       rp.c.root_provider_id):
        out[pid] = parent
    return out


def _by_roots(conn, query: sa.Select, roots: set[int] | None, root_col) -> Iterable[tuple]:
    """Run ``query`` restricted to the trees of ``roots`` (None: all); the
    root id must be the last column."""
    if roots is None:
        return conn.execute(query).all()
    if len(roots) > _IN_LIST_MAX:
        return [row for row in conn.execute(query).all() if row[-1] in roots]
    if not roots:
        return []
    return conn.execute(query.where(root_col.in_(sorted(roots)))).all()


# -- provider summaries -------------------------------------------------------

def summary_providers(conn, roots: set[int]) -> list[tuple]:
    """``(id, uuid, parent_id, root_id)`` of every provider in the trees."""
    query = sa.select(rp.c.id, rp.c.uuid, rp.c.parent_provider_id, rp.c.root_provider_id)
    return list(_by_roots(conn, query.order_by(rp.c.id), roots, rp.c.root_provider_id))


def summary_inventories(conn, roots: set[int], *, exclude_classes: set[int] | None = None,
                        only_classes: set[int] | None = None,
                        providers: set[int] | None = None) -> list[tuple]:
    """``(provider_id, class_id, capacity, used, root_id)`` per inventory of
    the trees; optionally without some classes, with only some classes, or
    for only some providers."""
    query = (sa.select(inventories.c.resource_provider_id, inventories.c.resource_class_id,
                       (inventories.c.total - inventories.c.reserved)
                       * inventories.c.allocation_ratio,
                       _used(inventories.c.resource_class_id), rp.c.root_provider_id)
             .select_from(inventories.join(rp, rp.c.id == inventories.c.resource_provider_id))
             .order_by(inventories.c.resource_provider_id, inventories.c.resource_class_id))
    if exclude_classes:
        query = query.where(inventories.c.resource_class_id.not_in(sorted(exclude_classes)))
    if only_classes is not None:
        query = query.where(inventories.c.resource_class_id.in_(sorted(only_classes)))
    if providers is not None:
        if not providers:
            return []
        if len(providers) <= _IN_LIST_MAX:
            return conn.execute(query.where(
                inventories.c.resource_provider_id.in_(sorted(providers)))).all()
        return [r for r in _by_roots(conn, query, roots, rp.c.root_provider_id)
                if r[0] in providers]
    return list(_by_roots(conn, query, roots, rp.c.root_provider_id))


def class_names(conn, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(conn.execute(sa.select(resource_classes.c.id, resource_classes.c.name)
                             .where(resource_classes.c.id.in_(sorted(ids)))).all())


def summary_traits(conn, roots: set[int]) -> list[tuple]:
    """``(provider_id, trait_name, root_id)`` for the trees' providers, each
    provider's traits in the order of their ids (placement's order)."""
    query = (sa.select(rpt.c.resource_provider_id, traits.c.name, rp.c.root_provider_id)
             .select_from(rpt.join(traits, traits.c.id == rpt.c.trait_id)
                          .join(rp, rp.c.id == rpt.c.resource_provider_id))
             .order_by(rpt.c.resource_provider_id, rpt.c.trait_id))
    return list(_by_roots(conn, query, roots, rp.c.root_provider_id))
