"""A process-local cache of what allocation candidates need to know about
each resource provider, checked against the database on every use.

Per provider it keeps what its inventories can give (capacity less usage,
unit limits, per class), its traits, and the JSON of its provider summary
(and of its candidates, per request shape, as they are made).  Everything
in an entry changes only together with the provider's generation or its
internal ``cache_serial``: every write of inventories, allocations
(claims, frees, the reshaper) and traits bumps the generations of the
providers it touches, in the same transaction, and a consumer's
allocations deleted (``DELETE /allocations/{c}``, which as in OpenStack
Placement bumps no generation) bumps their ``cache_serial``.  What does not
bump a generation is not cached: aggregate membership (written without a
generation bump before microversion 1.19) and provider trees are read in
every request; class names are compared whole (a rename empties the
cache).

Validation runs inside the request's own read transaction: it reads the
stamp ``(id, generation, cache_serial, uuid, created_at)`` of the providers the request
looks at and re-reads, in that same transaction, every provider whose
stamp differs from its entry (or that has none).  The uuid and creation
time catch an id reused by a new provider after a delete (SQLite reuses
the highest id; PostgreSQL never reuses one, and its stamps are
``(id, generation, cache_serial)``).  What remains unseen is a provider deleted and
created again with the same id, the same uuid and the same number of
writes within the same second as the one cached, with no request in
between reading it (its candidates would be refused when claimed: claims
check capacity themselves).  The entries handed to a request therefore describe the
providers exactly as its snapshot does; entries are immutable, so other
threads replacing them does not disturb a request under way.

Writes made behind the service's back (tests arranging rows directly,
an operator's SQL) are not seen: call :func:`forget` after them.
"""
from __future__ import annotations

import threading
import weakref

import orjson

from nubes.placement.candidates import cache_sql


class Entry:
    """One provider as of one generation: its uuid, ``limits`` (class id ->
    ``(most it can give, min_unit, step_size)``, the fit test being
    ``amount <= most and amount >= min_unit and amount % step_size == 0``),
    its trait ids, and the JSON of its provider summary as a 1.29+ answer
    shows a root provider (``"<uuid>":{...}``: every class with capacity
    and usage, the traits, itself as root), and that summary without its
    tree (``core``, open-ended)."""

    __slots__ = ("stamp", "uuid", "uuid_bytes", "limits", "trait_ids", "core",
                 "summary_bytes", "memos")

    def __init__(self, stamp: tuple, uuid: str, inv: dict, trait_ids: frozenset,
                 trait_names: list[str], names: dict[int, str]):
        """``inv``: class id -> ``(capacity, used, min_unit, max_unit,
        step_size)``, by class id; ``trait_names`` in trait id order."""
        self.stamp = stamp            # (id, generation, cache_serial[, uuid, created_at])
        self.uuid = uuid
        self.uuid_bytes = uuid.encode()
        self.limits = {cid: (min(capacity - used, max_unit), min_unit, step)
                       for cid, (capacity, used, min_unit, max_unit, step) in inv.items()}
        self.trait_ids = trait_ids
        # The summary up to its tree: what a provider in a nested tree
        # completes with its parent's and root's uuids.
        self.core = b'"%s":%s' % (self.uuid_bytes, orjson.dumps({
            "resources": {names[c]: {"capacity": v[0], "used": v[1]} for c, v in inv.items()},
            "traits": trait_names})[:-1])
        self.summary_bytes = self.core + b',"parent_provider_uuid":null,' \
            b'"root_provider_uuid":"%s"}' % self.uuid_bytes
        # Encoded candidates of this provider by request shape (see
        # flat_answer): kept with the entry, so they go when it changes.
        self.memos: dict[bytes, bytes] | None = None


class ProviderCache:
    def __init__(self):
        self._lock = threading.Lock()
        self.class_names: dict[int, str] | None = None
        # Stamp row -> entry, and provider id -> its newest stamp row.
        self.entries: dict[tuple, Entry] = {}
        self.latest: dict[int, tuple] = {}

    def clear(self) -> None:
        with self._lock:
            self.entries, self.latest = {}, {}
            self.class_names = None

    def view(self, conn, class_names: dict[int, str],
             window: tuple[int, int] | None = None, also=()) -> dict[int, Entry]:
        """Provider id -> entry, as of ``conn``'s transaction, for every
        provider (``window`` None) or for those with ids in ``[lo, hi)``
        and in ``also``; by id."""
        with self._lock:
            if self.class_names != class_names:
                self.entries, self.latest = {}, {}
                self.class_names = class_names
            entries = self.entries
        rows = cache_sql.stamps(conn, window, also)
        # Entries are found by their whole stamp row: a changed generation
        # (or a reused id) finds nothing.
        get = entries.get
        view: dict[int, Entry] = {row[0]: get(row) for row in rows}
        self._refresh(conn, class_names, entries, view, rows, everything=window is None)
        return view

    def tree_view(self, conn, class_names: dict[int, str], *, window=None, also=(),
                  roots=None) -> tuple[dict[int, Entry], dict[int, tuple]]:
        """:meth:`view` for nested trees, by the trees' root ids: every
        provider (nothing given), or those whose root is in ``[lo, hi)``
        or in ``roots``, and those in ``also``.  With the entries, each
        provider's ``(parent id, root id)``, read afresh (re-parenting
        bumps no generation: trees are never cached)."""
        with self._lock:
            if self.class_names != class_names:
                self.entries, self.latest = {}, {}
                self.class_names = class_names
            entries = self.entries
        rows = cache_sql.tree_stamps(conn, window=window, also=also, roots=roots)
        get = entries.get
        view: dict[int, Entry] = {row[0]: get(row[:-2]) for row in rows}
        tree = {row[0]: row[-2:] for row in rows}
        self._refresh(conn, class_names, entries, view, [row[:-2] for row in rows],
                      everything=window is None and roots is None)
        return view, tree

    def _refresh(self, conn, class_names, entries, view, stamps, everything: bool) -> None:
        """Read the providers of ``view`` without a current entry."""
        if None in view.values():
            stale = {stamp[0]: stamp for stamp in stamps if view[stamp[0]] is None}
            fresh = _read(conn, stale, class_names,
                          everything=everything and len(stale) == len(stamps))
            view.update(fresh)
            self._keep(entries, fresh.values())
        if everything and len(self.latest) > len(view):
            self._forget_deleted(entries, view)

    def _keep(self, entries: dict, fresh) -> None:
        with self._lock:
            if self.entries is not entries:
                return            # cleared meanwhile
            latest = self.latest
            for entry in fresh:
                pid = entry.stamp[0]
                old = latest.get(pid)
                if old is not None and old != entry.stamp:
                    entries.pop(old, None)
                latest[pid] = entry.stamp
                entries[entry.stamp] = entry

    def _forget_deleted(self, entries: dict, view: dict) -> None:
        with self._lock:
            if self.entries is not entries:
                return
            for pid in [p for p in self.latest if p not in view]:
                entries.pop(self.latest.pop(pid), None)


def _read(conn, stamps: dict[int, tuple], names: dict[int, str], everything: bool
          ) -> dict[int, Entry]:
    """Fresh entries for the providers ``stamps`` (id -> stamp)."""
    ids = None if everything else set(stamps)
    uuids = {pid: uuid for pid, uuid in cache_sql.facts(conn, "uuids", ids)}
    inv: dict[int, dict] = {pid: {} for pid in stamps}
    for pid, cid, total, reserved, ratio, min_unit, max_unit, step in cache_sql.facts(
            conn, "inventories", ids):
        mine = inv.get(pid)
        if mine is not None:
            mine[cid] = [int((total - reserved) * ratio), 0, min_unit, max_unit, step]
    for pid, cid, used in cache_sql.facts(conn, "usage", ids):
        row = inv.get(pid, {}).get(cid)
        if row is not None:
            row[1] = int(used)
    trait_ids: dict[int, list[int]] = {}
    trait_names: dict[int, list[str]] = {}
    for pid, tid, name in cache_sql.facts(conn, "traits", ids):
        if pid in inv:
            trait_ids.setdefault(pid, []).append(tid)
            trait_names.setdefault(pid, []).append(name)
    none: list[str] = []
    return {pid: Entry(stamp, uuids[pid], {cid: tuple(v) for cid, v in inv[pid].items()},
                       frozenset(trait_ids.get(pid, none)), trait_names.get(pid, none), names)
            for pid, stamp in stamps.items()}


_caches: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def for_engine(engine) -> ProviderCache:
    """The cache of one database (one per engine and process)."""
    cache = _caches.get(engine)
    if cache is None:
        with _caches_lock:
            cache = _caches.get(engine)
            if cache is None:
                cache = _caches[engine] = ProviderCache()
    return cache


def forget(engine=None) -> None:
    """Drop what is cached about the database of ``engine`` (None: every
    database), after writes that bypassed the service."""
    with _caches_lock:
        caches = list(_caches.values()) if engine is None else [_caches.get(engine)]
    for cache in caches:
        if cache is not None:
            cache.clear()
