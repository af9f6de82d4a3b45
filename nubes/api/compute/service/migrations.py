"""os-migrations and a server's migrations: the ``migrations`` records of
every cell.

A listing reads every cell at once and merges the answers newest first
(created_at, id descending; uuid breaks ties between cells); a page
continues after its marker (a migration uuid, found in whichever cell has
it).  A cell that does not answer is left out with a warning.  A server's
migrations are its live migrations still under way, read in its cell.
"""
from __future__ import annotations

import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.cells import lister
from nubes.cells import scatter_gather as sg
from nubes.cells import sort_order as ordering
from nubes.cells.repo import migrations as migration_repo
from nubes.cells.repo.migrations import MigrationFilters
from nubes.cells.targeting import cell_of
from nubes.common.context import RequestContext

LOG = logging.getLogger(__name__)
ORDER = ordering.sort_order(["created_at", "id"], ["desc", "desc"])

__all__ = ["MigrationFilters", "list_migrations", "server_migrations"]


def _marker_values(state: ComputeState, ctx: RequestContext, marker: str) -> tuple:
    results = sg.scatter_gather(
        ctx, state.cells.cells(include_cell0=False),
        lambda cctx: cell_of(cctx).db.read(
            lambda conn: migration_repo.get_by_uuid(conn, marker)),
        databases=state.cells.databases)
    for result in results.values():
        if result is not None and not sg.is_failure(result):
            return ORDER.values(result)
    raise exc.Invalid(f"Marker {marker} could not be found.")


def list_migrations(state: ComputeState, ctx: RequestContext, filters: MigrationFilters, *,
                    limit: int, marker: str | None = None) -> list[dict]:
    """Up to ``limit`` migrations matching ``filters``, newest first, after
    the migration whose uuid is ``marker``; each record says whether it is
    a live migration in progress (``live_in_progress``)."""
    after = None if marker is None else _marker_values(state, ctx, marker)

    def query(conn, _cell):
        return migration_repo.page(conn, filters, ORDER, after, limit)

    pages = lister.list_sorted(ctx, state.cells, state.cells.cells(include_cell0=False),
                               query, ORDER, limit)
    for cell in pages.failed:
        LOG.warning("cell %s did not answer: its migrations are not listed", cell.label)
    return [dict(r, live_in_progress=migration_repo.is_in_progress_live(r))
            for r in pages.records]


def server_migrations(state: ComputeState, ctx: RequestContext, server_id: str,
                      migration_id: int | None = None) -> list[dict]:
    """The server's live migrations in progress (one by id if given); 404
    for a server the caller cannot see."""
    mapping = instance_cells.mapping_of(state, server_id, ctx)
    if mapping.cell_id is None:
        return []       # still a build request: it has not moved
    located = instance_cells.locate(state, mapping)
    if located.instance is None:
        raise instance_cells.not_found(server_id)
    return state.cells.database(located.cell).read(
        lambda conn: migration_repo.in_progress_live(conn, server_id, migration_id))
