"""Instance mappings: map a cell's instances, verify one instance."""
from __future__ import annotations

import dataclasses
import enum

import sqlalchemy as sa

from nubes.cells import exceptions as exc
from nubes.cells.admin import SILENT, Report
from nubes.cells.admin import cells as cells_admin
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.cells.repo import instance_mappings as im_repo
from nubes.cells.repo import instances as instance_repo
from nubes.cells.targeting import CellDatabases
from nubes.common.db.transaction import Database

BATCH = 50


@dataclasses.dataclass(frozen=True)
class MappingRun:
    examined: int
    mapped: int
    complete: bool  # False: --max-count stopped us and instances remain


def map_instances(api_db: Database, databases: CellDatabases, cell_uuid: str, *,
                  max_count: int | None = None, reset: bool = False,
                  batch_size: int = BATCH, report: Report = SILENT) -> MappingRun:
    """Create the missing instance mappings of one cell, oldest instance first.

    Deleted instances are mapped too (marked ``queued_for_delete``).  A run
    stopped by ``max_count`` leaves a marker in the API database and the next
    run resumes there; ``reset`` starts from the first instance again.
    """
    cell = cells_admin.get(api_db, cell_uuid)
    cell_db = databases.get(cell.database_connection)
    if reset:
        api_db.write(lambda conn: im_repo.delete_marker(conn, cell.id))
    last_id = api_db.read(lambda conn: im_repo.get_marker(conn, cell.id)) or 0
    if last_id:
        report.info(f"Resuming after instance id {last_id} in cell {cell.label}")
    examined = mapped = 0
    while max_count is None or examined < max_count:
        limit = batch_size if max_count is None else min(batch_size, max_count - examined)
        batch = _read_cell(cell, cell_db, lambda conn: instance_repo.batch_after(
            conn, last_id, limit))
        if not batch:
            break
        last_id = batch[-1].id
        mapped += api_db.write(lambda conn, batch=batch: _map_batch(conn, cell.id, batch))
        examined += len(batch)
        report.info(f"Examined {examined} instances, created {mapped} mappings "
                    f"in cell {cell.label}")
    more = _read_cell(cell, cell_db, lambda conn: instance_repo.any_after(conn, last_id))
    if not more:
        # Done: the next run starts over (and so re-checks everything).
        api_db.write(lambda conn: im_repo.delete_marker(conn, cell.id))
    return MappingRun(examined=examined, mapped=mapped, complete=not more)


def _map_batch(conn: sa.Connection, cell_id: int, batch: list) -> int:
    uuids = [r.uuid for r in batch]
    existing = im_repo.cells_of(conn, uuids)
    rows = [{"instance_uuid": r.uuid, "project_id": r.project_id or "",
             "user_id": r.user_id, "cell_id": cell_id,
             "queued_for_delete": r.deleted != 0}
            for r in batch if r.uuid not in existing]
    im_repo.insert_missing(conn, rows)
    im_repo.set_marker(conn, cell_id, batch[-1].id)
    # Mappings still waiting for a cell although the instance is here.
    healed = im_repo.set_cell_where_unset(
        conn, [u for u, c in existing.items() if c is None], cell_id)
    return len(rows) + healed


def _read_cell(cell, cell_db: Database, work):
    try:
        return cell_db.read(work)
    except sa.exc.DBAPIError as err:
        raise exc.CellDatabaseUnreachable(
            f"cannot read the database of cell {cell.label}: {_first_line(err.orig)}"
        ) from None


def _first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Verdict(enum.IntEnum):
    """``verify_instance`` outcomes; the values are the command's exit codes."""

    MAPPED = 0
    NOT_MAPPED = 1            # no instance mapping: run map_instances
    NO_CELL = 2               # mapped, but to no cell (still a build request?)
    DELETED_STILL_MAPPED = 3  # the instance is deleted; its mapping remains
    ARCHIVED_STILL_MAPPED = 4  # the instance row is gone; its mapping remains


@dataclasses.dataclass(frozen=True)
class Verification:
    verdict: Verdict
    message: str


def verify_instance(api_db: Database, databases: CellDatabases,
                    instance_uuid: str) -> Verification:
    mapping = api_db.read(lambda conn: im_repo.get(conn, instance_uuid))
    if mapping is None:
        return Verification(Verdict.NOT_MAPPED,
                            f"Instance {instance_uuid} is not mapped to a cell (run "
                            "map_instances)")
    cell = None
    if mapping.cell_id is not None:
        cell = api_db.read(lambda conn: cell_repo.get_by_id(conn, mapping.cell_id))
    if cell is None:
        return Verification(Verdict.NO_CELL,
                            f"Instance {instance_uuid} is not mapped to a cell")
    row = _read_cell(cell, databases.get(cell.database_connection),
                     lambda conn: instance_repo.get_brief(conn, instance_uuid))
    if row is None:
        return Verification(Verdict.ARCHIVED_STILL_MAPPED,
                            f"The instance {instance_uuid} has been archived but is still "
                            f"mapped to cell {cell.label}")
    if row.deleted:
        return Verification(Verdict.DELETED_STILL_MAPPED,
                            f"The instance {instance_uuid} has been deleted but is still "
                            f"mapped to cell {cell.label}")
    return Verification(Verdict.MAPPED,
                        f"Instance {instance_uuid} is in cell {cell.label}")
