"""Cross-cell reads for the compute API.

Services and compute nodes live in the cell databases (cell0 has none);
:func:`in_every_cell` runs one read in each cell at once and separates the
cells that answered from those that did not (down or too slow), which
callers report or skip but never fail on.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable, Generic, TypeVar

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import id_ranges
from nubes.cells import scatter_gather as sg
from nubes.cells.exceptions import CellNotFound
from nubes.cells.records import CellMapping
from nubes.cells.repo import host_mappings
from nubes.cells.targeting import cell_of
from nubes.common.context import RequestContext

LOG = logging.getLogger(__name__)
T = TypeVar("T")


@dataclasses.dataclass
class Gathered(Generic[T]):
    answered: list[tuple[CellMapping, T]]   # in cell order
    failed: list[CellMapping]


def in_every_cell(state: ComputeState, ctx: RequestContext,
                  read: Callable[[sa.Connection], T], *,
                  only: list[CellMapping] | None = None) -> Gathered[T]:
    """``read`` in one read transaction per cell (cell0 excluded), or in
    the cells ``only`` names."""
    cells = state.cells.cells(include_cell0=False) if only is None else only
    results = sg.scatter_gather(ctx, cells, lambda cctx: cell_of(cctx).db.read(read),
                                databases=state.cells.databases)
    gathered: Gathered[T] = Gathered([], [])
    for cell in cells:
        result = results[cell.uuid]
        if sg.is_failure(result):
            gathered.failed.append(cell)
        else:
            gathered.answered.append((cell, result))
    return gathered


def read(state: ComputeState, cell: CellMapping, work: Callable[[sa.Connection], T]) -> T:
    return state.cells.database(cell).read(work)


def write(state: ComputeState, cell: CellMapping, work: Callable[[sa.Connection], T]) -> T:
    return state.cells.database(cell).write(work)


def cell_of_host(state: ComputeState, host: str) -> CellMapping | None:
    """The cell a compute host is mapped to (None: not mapped)."""
    mapping = state.api_db.read(lambda conn: host_mappings.get_by_host(conn, host))
    if mapping is None:
        return None
    return state.cells.by_id(mapping.cell_id)


def hosts_of_cells(state: ComputeState, cells: list[CellMapping]) -> list[str]:
    """Mapped compute hosts of ``cells`` (what is known of a down cell)."""
    ids = {c.id for c in cells}
    if not ids:
        return []
    return [m.host for m in state.api_db.read(host_mappings.list_all) if m.cell_id in ids]


def cells_for_id(state: ComputeState, object_id: int) -> list[CellMapping]:
    """The cells that may hold the service or compute node with integer id
    ``object_id`` (``nubes.cells.id_ranges``): the one whose range covers
    it; every cell for an id below all ranges (numbered before the cell had
    one); none (a 404) for an id no mapped cell's range covers."""
    if not id_ranges.is_ranged(object_id):
        return state.cells.cells(include_cell0=False)
    cell_id = id_ranges.cell_id_of(object_id)
    if cell_id is None:
        return []
    try:
        cell = state.cells.by_id(cell_id)
    except CellNotFound:
        return []
    return [] if cell.is_cell0 else [cell]


def the_one(found: list[T], *, missing: str, named: str, things: str) -> T:
    """The one match of an integer id (before 2.53 services and hypervisors
    are addressed by their id in a cell database; ids below every cell's
    range, see :func:`cells_for_id`, may repeat in another cell): 404
    ``missing`` if none, 400 if several cells have one."""
    if not found:
        raise exc.NotFound(missing)
    if len(found) > 1:
        raise exc.Invalid(f"{named} refers to {things}s in {len(found)} cells; use "
                          f"microversion 2.53 or later and the {things}'s uuid.")
    return found[0]


def forwarded_request_id(ctx: RequestContext) -> str:
    """The request id to send on calls this request makes to other services."""
    return ctx.global_request_id or ctx.request_id
