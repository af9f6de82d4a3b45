"""Cross-cell sorted, paginated listing.

Records of one kind (instances) live in many cell databases; a list
request wants one page of them in one global order.  The recipe:

1. **Sort order** (:mod:`nubes.cells.sort_order`).  :func:`sort_order` turns the requested keys and
   directions into a :class:`SortOrder` that always ends with the uuid
   (ascending) unless the caller sorted by it already, so the order is
   total across cells (per-cell ids collide).  NULLs sort *before* every
   value (smallest), whatever the backend: ascending lists them first,
   descending last.
2. **Marker.**  The caller resolves the marker record (in whichever cell
   it lives) to its sort values; every cell is then asked only for the
   records strictly *after* those values (:func:`after_condition`, a
   keyset condition built from the keys and directions).
3. **Per-cell pages.**  Each cell runs the same query, sorted by the same
   keys, limited to ``limit`` (a cell can contribute at most that many),
   in parallel through :mod:`nubes.cells.scatter_gather`; a cell that
   fails or does not answer in time is reported, never raised.
4. **Merge.**  :func:`merge` does a heap merge (``heapq.merge`` with the
   sort key) of the per-cell lists, drops duplicate uuids (an instance
   can briefly exist in two cells, or as a build request and in a cell)
   and stops at ``limit``.

:func:`list_sorted` runs steps 3-4 for any per-cell query; the instance
listing (build requests first, marker lookup through the instance
mapping, down cells) is :func:`list_instances` at the bottom.

Strings are compared byte-wise in SQL (``COLLATE "C"`` on PostgreSQL,
``utf8mb4_bin`` on MySQL/MariaDB, SQLite's default) so that each cell's
order agrees with the merge's Python comparison and with the marker
condition.
"""
from __future__ import annotations

import dataclasses
import heapq
import logging
from typing import Any, Callable, Iterable, Mapping, Sequence

import sqlalchemy as sa

from nubes.cells import scatter_gather as sg
from nubes.cells.records import CellMapping
from nubes.cells.sort_order import TIEBREAK_KEY, SortOrder, sort_records
from nubes.cells.targeting import CellRegistry, cell_of
from nubes.common.context import RequestContext

LOG = logging.getLogger(__name__)



class MarkerNotFound(Exception):
    """The marker names no record the caller can page from (a 400)."""

    def __init__(self, marker: str):
        super().__init__(f"marker [{marker}] not found")
        self.marker = marker


class MarkerCellDown(Exception):
    """The marker's cell did not answer: the page cannot be placed."""

    def __init__(self, marker: str, cell: CellMapping):
        super().__init__(f"cell {cell.label} holding marker {marker} did not respond")
        self.marker = marker
        self.cell = cell


# --- merge ------------------------------------------------------------------------

def merge(sources: Iterable[Iterable[Mapping[str, Any]]], order: SortOrder,
          limit: int | None = None, *, identity: str = TIEBREAK_KEY,
          seen: set | None = None) -> list:
    """One list from per-source lists each already sorted by ``order``:
    heap-merged, the first record of each ``identity`` kept, at most
    ``limit`` long (None: all).  ``seen`` identities (e.g. build requests
    already listed) are skipped and added to."""
    seen = set() if seen is None else seen
    merged = []
    if limit is not None and limit <= 0:
        return merged
    for record in heapq.merge(*sources, key=order.key):
        ident = record.get(identity)
        if ident in seen:
            continue
        seen.add(ident)
        merged.append(record)
        if limit is not None and len(merged) >= limit:
            break
    return merged


# --- running a sorted query in every cell ---------------------------------------------

@dataclasses.dataclass
class CellPages:
    """What :func:`list_sorted` gathered: the merged records and the
    cells that failed (raised) or did not answer in time."""
    records: list
    failed: list[CellMapping]
    answered: list[CellMapping]


PerCellQuery = Callable[[sa.Connection, CellMapping], list]


def list_sorted(ctx: RequestContext, registry: CellRegistry, cells: Sequence[CellMapping],
                query: PerCellQuery, order: SortOrder, limit: int, *,
                timeout: float = sg.CELL_TIMEOUT, seen: set | None = None) -> CellPages:
    """Run ``query(conn, cell)`` (which must return at most ``limit``
    records sorted by ``order``, each a mapping with a ``uuid``) in every
    cell at once and merge the answers into one page of ``limit``."""
    if limit <= 0 or not cells:
        return CellPages([], [], [])

    def run(cctx):
        cell = cell_of(cctx)
        return cell.db.read(lambda conn: query(conn, cell.mapping))

    results = sg.scatter_gather(ctx, cells, run, timeout=timeout,
                                databases=registry.databases)
    failed, answered, lists = [], [], []
    for cell in cells:
        result = results[cell.uuid]
        if sg.is_failure(result):
            failed.append(cell)
        else:
            answered.append(cell)
            lists.append(result)
    return CellPages(merge(lists, order, limit, seen=seen), failed, answered)


# --- instances: build requests first, markers through the instance mapping ------------

@dataclasses.dataclass
class InstancePage:
    """One page of instances.

    ``build_requests`` come first (records of instances not in a cell
    yet), then ``instances`` (records with ``cell_uuid``), in order;
    ``down_cells`` did not answer (their instances are missing from the
    page).
    """
    build_requests: list
    instances: list
    down_cells: list[CellMapping]

    @property
    def records(self) -> list:
        return self.build_requests + self.instances


@dataclasses.dataclass
class InstanceSource:
    """How :func:`list_instances` reaches the instances, supplied by the
    caller so this module stays free of filter and schema details.

    * ``build_requests()``: the visible build requests, already filtered
      (records with the instance columns; never more than exist).
    * ``cell_query(conn, cell, after, limit)``: one cell's visible
      instances after the sort values ``after`` (None: from the start),
      sorted by the order, at most ``limit``; each record a dict that
      includes ``uuid``.
    * ``marker_in_cell(conn, uuid)``: the marker's record (deleted or
      not) in that cell, or None.
    * ``marker_cell(uuid)``: the cell the instance mapping points at
      (None: unmapped or not in a cell yet).
    """
    build_requests: Callable[[], list]
    cell_query: Callable[[sa.Connection, CellMapping, Sequence | None, int], list]
    marker_in_cell: Callable[[sa.Connection, str], Mapping | None]
    marker_cell: Callable[[str], CellMapping | None]


def list_instances(ctx: RequestContext, registry: CellRegistry, source: InstanceSource,
                   order: SortOrder, limit: int, marker: str | None = None, *,
                   cells: Sequence[CellMapping] | None = None,
                   timeout: float = sg.CELL_TIMEOUT) -> InstancePage:
    """One page: build requests first (sorted among themselves), then the
    instances of every cell merged in ``order``.

    A marker is looked for among the build requests first (the page then
    continues after it there, then with every cell from its start), then
    through its instance mapping in its cell (the page holds cell
    instances after its sort values only).  Unknown: :class:`MarkerNotFound`.
    """
    cells = list(registry.cells() if cells is None else cells)
    builds = sort_records(source.build_requests(), order)
    after: tuple | None = None
    if marker is not None:
        index = next((i for i, r in enumerate(builds) if r.get("uuid") == marker), None)
        if index is not None:
            builds = builds[index + 1:]
        else:
            after = _marker_values(ctx, registry, source, order, marker)
            builds = []
    builds = builds[:limit]
    seen = {r.get("uuid") for r in builds}
    remaining = limit - len(builds)
    if remaining <= 0:
        return InstancePage(builds, [], [])

    def query(conn, cell):
        return source.cell_query(conn, cell, after, remaining)

    pages = list_sorted(ctx, registry, cells, query, order, remaining, timeout=timeout,
                        seen=seen)
    return InstancePage(builds, pages.records, pages.failed)


def _marker_values(ctx: RequestContext, registry: CellRegistry, source: InstanceSource,
                   order: SortOrder, marker: str) -> tuple:
    cell = source.marker_cell(marker)
    if cell is None:
        raise MarkerNotFound(marker)
    try:
        record = registry.database(cell).read(lambda conn: source.marker_in_cell(conn, marker))
    except sa.exc.SQLAlchemyError as exc:
        LOG.warning("marker %s: cell %s failed: %s", marker, cell.label, exc)
        raise MarkerCellDown(marker, cell) from exc
    if record is None:
        raise MarkerNotFound(marker)
    return order.values(record)

