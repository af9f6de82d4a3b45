"""SQL for the fast paths (:mod:`.flat_path`, :mod:`.tree_path`) besides
the provider cache's (:mod:`.cache_sql`): what is read fresh in every
request (the shape of the trees, which :mod:`.dispatch` asks to choose
between the two; who shares; aggregate membership), as statements built
once at import and fetched as plain DBAPI tuples.  Everything runs in
the caller's read transaction.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.placement.candidates import lookup_sql
from nubes.placement.candidates.cache_sql import fetch
from nubes.placement.models import resource_provider_aggregates as rpa, resource_providers as rp

_SHAPE = sa.select(sa.func.max(rp.c.id), sa.func.max(rp.c.parent_provider_id))
_MEMBERS = (sa.select(rpa.c.resource_provider_id).distinct()
            .where(rpa.c.aggregate_id.in_(sa.bindparam("aggs", expanding=True))))
_mine, _theirs = rpa.alias("mine"), rpa.alias("theirs")
_LINKS = (sa.select(_mine.c.resource_provider_id, _theirs.c.resource_provider_id)
          .select_from(_mine.join(_theirs, _theirs.c.aggregate_id == _mine.c.aggregate_id))
          .where(_mine.c.resource_provider_id.in_(sa.bindparam("sharing", expanding=True))))
_LINKS_WINDOW = _LINKS.where(_theirs.c.resource_provider_id >= sa.bindparam("lo"),
                             _theirs.c.resource_provider_id < sa.bindparam("hi"))


_ROOTS = (sa.select(_mine.c.resource_provider_id, rp.c.root_provider_id).distinct()
          .select_from(_mine.join(_theirs, _theirs.c.aggregate_id == _mine.c.aggregate_id)
                       .join(rp, rp.c.id == _theirs.c.resource_provider_id))
          .where(_mine.c.resource_provider_id.in_(sa.bindparam("sharing", expanding=True))))
_ROOTS_WINDOW = _ROOTS.where(rp.c.root_provider_id >= sa.bindparam("lo"),
                             rp.c.root_provider_id < sa.bindparam("hi"))


def shape(conn) -> tuple[int | None, bool]:
    """The highest provider id, and whether any provider has a parent
    (then trees are not all flat): one statement, two index lookups."""
    top, parent = fetch(conn, _SHAPE)[0]
    return top, parent is not None


def sharing_providers(conn) -> set[int]:
    """Providers with MISC_SHARES_VIA_AGGREGATE."""
    return {row[0] for row in fetch(conn, lookup_sql.SHARING_PROVIDERS)}


def members(conn, aggregate_ids: set[int]) -> set[int]:
    """Providers in one of the aggregates."""
    if not aggregate_ids:
        return set()
    return {row[0] for row in fetch(conn, _MEMBERS, {"aggs": sorted(aggregate_ids)})}


def sharing_links(conn, sharing: set[int], window) -> list[tuple[int, int]]:
    """``(sharing provider, provider)`` for the providers (in the window)
    sharing an aggregate with one of ``sharing``: in flat trees, the trees
    it lends to."""
    return _lending(conn, _LINKS, _LINKS_WINDOW, sharing, window)


def sharing_roots(conn, sharing: set[int], window) -> list[tuple[int, int]]:
    """``(sharing provider, root)`` for the trees (with roots in the
    window) with a provider sharing an aggregate with one of ``sharing``."""
    return _lending(conn, _ROOTS, _ROOTS_WINDOW, sharing, window)


def _lending(conn, every, windowed, sharing: set[int], window) -> list[tuple[int, int]]:
    """Run ``every`` (window None) or ``windowed`` for the providers ``sharing``."""
    if not sharing:
        return []
    params = {"sharing": sorted(sharing)}
    if window is None:
        return fetch(conn, every, params)
    return fetch(conn, windowed, {**params, "lo": window[0], "hi": window[1]})
