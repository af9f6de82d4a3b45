"""os-migrations and a server's migrations: the ``migrations`` records of
every cell.

A listing reads every cell at once and merges the answers newest first
(created_at, id descending; uuid breaks ties between cells); a page
continues after its marker (a migration uuid, found in whichever cell has
it).  A cell that does not answer is left out with a warning.  A server's
migrations are its live migrations still under way, read in its cell.
"""
from __future__ import annotations

import json
import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.cells import lister
from nubes.cells import scatter_gather as sg
from nubes.cells import sort_order as ordering
from nubes.cells.repo import flavors as flavor_repo
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
    return with_flavor_ids(state, [
        dict(r, live_in_progress=migration_repo.is_in_progress_live(r))
        for r in pages.records])


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
    return with_flavor_ids(state, state.cells.database(located.cell).read(
        lambda conn: migration_repo.in_progress_live(conn, server_id, migration_id)))


_SIZES = ("vcpus", "memory_mb", "root_gb", "ephemeral_gb")


def _flavor_of(column: str | None) -> dict | None:
    """The flavor a record's ``old_flavor``/``new_flavor`` names (the
    instance's flavor columns, with the flavor as JSON under ``flavor``)."""
    try:
        flavor = json.loads(json.loads(column or "")["flavor"])
    except (ValueError, TypeError, KeyError):
        return None
    return flavor if isinstance(flavor, dict) and flavor.get("flavorid") else None


def with_flavor_ids(state: ComputeState, records: list[dict]) -> list[dict]:
    """``old_instance_type_id``/``new_instance_type_id`` (the flavors' row
    ids, as OpenStack compute shows them) where a record has none: the
    flavor its ``old_flavor``/``new_flavor`` names, if that flavor still
    exists with the same sizes (a flavor deleted or re-made since: None)."""
    wanted: list[tuple[dict, str, dict]] = []
    for record in records:
        for side in ("old", "new"):
            flavor = _flavor_of(record.get(f"{side}_flavor"))
            if record.get(f"{side}_instance_type_id") is None and flavor is not None:
                wanted.append((record, f"{side}_instance_type_id", flavor))
    if not wanted:
        return records
    ids = sorted({str(flavor["flavorid"]) for _r, _k, flavor in wanted})
    rows = state.api_db.read(lambda conn: flavor_repo.sizes_by_flavorid(conn, ids))
    for record, key, flavor in wanted:
        row = rows.get(str(flavor["flavorid"]))
        if row is not None and all(row[n] == flavor.get(n) for n in _SIZES):
            record[key] = row["id"]
    return records
