"""Schema upgrades of cell databases and the one-shot ``simple_cell_setup``."""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from nubes.cells import exceptions as exc
from nubes.cells import schema_sync, urls
from nubes.cells.admin import SILENT, Report
from nubes.cells.admin import cells as cells_admin
from nubes.cells.admin import hosts as hosts_admin
from nubes.cells.admin import instances as instances_admin
from nubes.cells.records import CELL0_UUID, CellMapping
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.cells.targeting import CellDatabases
from nubes.common.db.transaction import Database


def upgrade_cell_database(db: Database, label: str, report: Report = SILENT,
                          api_db: Database | None = None) -> None:
    """Upgrade a cell's schema; with the API database, also number the
    cell's services and compute nodes in its mapping's id range (a database
    no cell maps yet gets it from ``create_cell``)."""
    report.info(f"{label}: upgrading schema ...")
    try:
        schema_sync.upgrade_cell(db)
    except sa.exc.DBAPIError as err:
        raise exc.CellDatabaseUnreachable(
            f"{label}: cannot upgrade {urls.mask(db.url)}: "
            f"{str(err.orig).strip().splitlines()[0]}") from None
    report.info(f"{label}: schema is current")
    if api_db is not None:
        for cell in api_db.read(cell_repo.list_all):
            if cell.database_connection == db.url:
                cells_admin.assign_id_range(cell, Report(info=report.info,
                                                         detail=report.info), db=db)


def cell0(api_db: Database) -> CellMapping | None:
    return api_db.read(lambda conn: cell_repo.get_by_uuid(conn, CELL0_UUID))


@dataclasses.dataclass(frozen=True)
class Setup:
    already_done: bool
    cell: CellMapping | None = None
    hosts_mapped: int = 0
    instances_mapped: int = 0


def simple_cell_setup(api_db: Database, databases: CellDatabases, *,
                      transport_url: str | None, database_connection: str | None,
                      report: Report = SILENT) -> Setup:
    """Make a single-cell deployment from the local configuration: map cell0
    (beside the local cell database) and upgrade its schema, create ``cell1``
    from the transport URL and ``[database] connection``, then map its hosts
    and instances.  Does nothing once any cell other than cell0 exists."""
    if any(not c.is_cell0 for c in api_db.read(cell_repo.list_all)):
        report.info("Already setup, nothing to do.")
        return Setup(already_done=True)
    transport_url = urls.check_transport_url(transport_url)
    database_connection = urls.check_database_url(database_connection)
    zero, created = cells_admin.map_cell0(api_db, None, database_connection)
    report.info(("Mapped" if created else "Found") + f" cell0 at "
                f"{urls.mask(zero.database_connection)}")
    upgrade_cell_database(databases.get(zero.database_connection), "cell0 database", report)
    cell = cells_admin.create_cell(api_db, name="cell1", transport_url=transport_url,
                                   database_connection=database_connection)
    report.info(f"Created cell {cell.label}")
    found = hosts_admin.discover_hosts(api_db, databases, cell_uuid=cell.uuid, report=report)
    run = instances_admin.map_instances(api_db, databases, cell.uuid, report=report)
    return Setup(already_done=False, cell=cell, hosts_mapped=len(found.mapped),
                 instances_mapped=run.mapped)
