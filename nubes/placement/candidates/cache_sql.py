"""SQL for the provider cache (:mod:`.provider_cache`): statements built
once at import (constructing a Select costs about as much as running a
small one), fetched as plain DBAPI tuples.

* the *stamps* of providers: ``(id, generation, cache_serial, uuid,
  created_at)`` (``(id, generation, cache_serial)`` on PostgreSQL), of every provider or of an id
  window plus a few more ids; what the cache checks its entries against,
  in the caller's read transaction;
* the facts of the providers whose stamp changed: the uuid, every
  inventory, the usage per class and the traits (in the order of their
  ids: when they were created, as OpenStack Placement lists them).
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.placement.models import (allocations, inventories as inv,
                                    resource_provider_traits as rpt,
                                    resource_providers as rp, traits)

# Above this many ids a refresh reads whole tables and keeps what it
# needs: cheaper than long IN lists (and within every driver's limits).
IN_LIST_MAX = 500

_IDS = sa.bindparam("ids", expanding=True)

_IN_WINDOW = sa.or_(sa.and_(rp.c.id >= sa.bindparam("lo"), rp.c.id < sa.bindparam("hi")),
                    rp.c.id.in_(sa.bindparam("also", expanding=True)))
# A stamp tells the state a provider's entry was read at.  The uuid and
# creation time tell a new provider from a deleted one whose id it got
# again (SQLite hands out the highest id again once it is deleted;
# MariaDB/MySQL may after a restart).  PostgreSQL's sequences never
# hand out an id twice, so there the generation says it all (and the
# stamps read in half the time).  ``cache_serial`` counts the writes
# that change usage without a generation bump (DELETE /allocations/{c}).
# Sorted here rather than by the database: an ordered index scan of every
# provider took PostgreSQL twice as long as reading the table.
_FULL = sa.select(rp.c.id, rp.c.generation, rp.c.cache_serial, rp.c.uuid, rp.c.created_at)
_SHORT = sa.select(rp.c.id, rp.c.generation, rp.c.cache_serial)
_STAMPS = {"postgresql": (_SHORT, _SHORT.where(_IN_WINDOW))}
_STAMPS_DEFAULT = (_FULL, _FULL.where(_IN_WINDOW))
# Nested trees: the stamp, then parent and root ids; windows by root id.
_TREE_COLUMNS = (rp.c.parent_provider_id, rp.c.root_provider_id)
_IN_ROOTS = sa.or_(sa.and_(rp.c.root_provider_id >= sa.bindparam("lo"),
                           rp.c.root_provider_id < sa.bindparam("hi")),
                   rp.c.root_provider_id.in_(sa.bindparam("roots", expanding=True)),
                   rp.c.id.in_(sa.bindparam("also", expanding=True)))
_TREE_STAMPS = {name: (stmt.add_columns(*_TREE_COLUMNS),
                       stmt.add_columns(*_TREE_COLUMNS).where(_IN_ROOTS))
                for name, stmt in (("postgresql", _SHORT), ("", _FULL))}

_INVENTORIES = (sa.select(inv.c.resource_provider_id, inv.c.resource_class_id, inv.c.total,
                          inv.c.reserved, inv.c.allocation_ratio, inv.c.min_unit,
                          inv.c.max_unit, inv.c.step_size)
                .order_by(inv.c.resource_provider_id, inv.c.resource_class_id))
_USAGE = (sa.select(allocations.c.resource_provider_id, allocations.c.resource_class_id,
                    sa.func.sum(allocations.c.used))
          .group_by(allocations.c.resource_provider_id, allocations.c.resource_class_id))
_TRAITS = (sa.select(rpt.c.resource_provider_id, rpt.c.trait_id, traits.c.name)
           .select_from(rpt.join(traits, traits.c.id == rpt.c.trait_id))
           .order_by(rpt.c.trait_id))

_UUIDS = sa.select(rp.c.id, rp.c.uuid)

_ALL = {"uuids": _UUIDS, "inventories": _INVENTORIES, "usage": _USAGE, "traits": _TRAITS}
_SOME = {"uuids": _UUIDS.where(rp.c.id.in_(_IDS)),
         "inventories": _INVENTORIES.where(inv.c.resource_provider_id.in_(_IDS)),
         "usage": _USAGE.where(allocations.c.resource_provider_id.in_(_IDS)),
         "traits": _TRAITS.where(rpt.c.resource_provider_id.in_(_IDS))}


def fetch(conn, statement, params: dict | None = None) -> list[tuple]:
    """Plain tuples from the driver, without SQLAlchemy's row objects."""
    result = conn.execute(statement, params or {})
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return rows if isinstance(rows, list) else list(rows)   # PyMySQL: a tuple


def stamps(conn, window: tuple[int, int] | None = None, also=()) -> list[tuple]:
    """``(id, generation, cache_serial[, uuid, created_at])`` by id: of every provider,
    or of those with ``lo <= id < hi`` and those in ``also``."""
    every, windowed = _STAMPS.get(conn.dialect.name, _STAMPS_DEFAULT)
    if window is None:
        rows = fetch(conn, every)
    else:
        rows = fetch(conn, windowed, {"lo": window[0], "hi": window[1], "also": sorted(also)})
    rows.sort()
    return rows


def tree_stamps(conn, *, window: tuple[int, int] | None = None, also=(),
                roots=None) -> list[tuple]:
    """Stamps followed by ``(parent id, root id)``, by id: of every
    provider (nothing given), or of those whose root is in ``[lo, hi)``
    or in ``roots``, and of those in ``also``."""
    every, some = _TREE_STAMPS.get(conn.dialect.name, _TREE_STAMPS[""])
    if window is None and roots is None:
        rows = fetch(conn, every)
    else:
        lo, hi = window if window is not None else (0, 0)
        rows = fetch(conn, some, {"lo": lo, "hi": hi, "roots": sorted(roots or ()),
                                  "also": sorted(also)})
    rows.sort()
    return rows


def facts(conn, kind: str, ids: set[int] | None) -> list[tuple]:
    """Rows of ``kind`` (uuids, inventories, usage, traits) of the providers
    ``ids`` (None: of every provider)."""
    if ids is None:
        return fetch(conn, _ALL[kind])
    if not ids:
        return []
    if len(ids) > IN_LIST_MAX:
        return [row for row in fetch(conn, _ALL[kind]) if row[0] in ids]
    return fetch(conn, _SOME[kind], {"ids": sorted(ids)})
