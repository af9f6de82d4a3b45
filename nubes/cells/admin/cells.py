"""Cell mappings: map cell0, create, update, delete, list."""
from __future__ import annotations

import uuid as uuidlib

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from nubes.cells import exceptions as exc
from nubes.cells import id_ranges, urls
from nubes.cells.admin import SILENT, Report
from nubes.cells.records import CELL0_NAME, CELL0_UUID, NO_TRANSPORT_URL, CellMapping
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.cells.repo import compute_nodes as node_repo
from nubes.cells.repo import host_mappings as host_repo
from nubes.cells.repo import instance_mappings as im_repo
from nubes.cells.repo import instances as instance_repo
from nubes.cells.targeting import CellDatabases
from nubes.common.db.engines import normalise_url
from nubes.common.db.transaction import Database

CONNECT_TIMEOUT = 10  # seconds, for the reachability check


def check_reachable(database_connection: str) -> None:
    """Connect once to the database; raise CellDatabaseUnreachable if we cannot."""
    parsed = normalise_url(database_connection)
    connect_args = {}
    if parsed.get_backend_name() in ("mysql", "postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    try:
        engine = sa.create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    except Exception as err:  # noqa: BLE001 - e.g. a driver that is not installed
        raise exc.InvalidDatabaseURL(
            f"cannot use database {urls.mask(database_connection)}: {err}") from None
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as err:
        raise exc.CellDatabaseUnreachable(
            f"cannot connect to database {urls.mask(database_connection)}: "
            f"{_first_line(err.orig)}") from None
    finally:
        engine.dispose()


def _first_line(error) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def get(api_db: Database, cell_uuid: str) -> CellMapping:
    cell = api_db.read(lambda conn: cell_repo.get_by_uuid(conn, cell_uuid))
    if cell is None:
        raise exc.CellNotFound(f"cell with uuid {cell_uuid} not found")
    return cell


def list_cells(api_db: Database) -> list[CellMapping]:
    return sorted(api_db.read(cell_repo.list_all), key=lambda c: (c.name or "", c.uuid))


def map_cell0(api_db: Database, database_connection: str | None,
              local_database: str | None = None) -> tuple[CellMapping, bool]:
    """Create the cell0 mapping unless it exists; ``(mapping, created)``.

    Without ``database_connection``, cell0's database is derived from
    ``local_database`` (``[database] connection``) by adding ``_cell0``.
    """
    if database_connection:
        url = urls.check_database_url(database_connection)
    elif local_database:
        url = urls.cell0_database_url(local_database)
    else:
        raise exc.InvalidDatabaseURL("give --database_connection or set [database] "
                                     "connection to derive cell0's database from")
    created = api_db.write(lambda conn: cell_repo.create_if_missing(
        conn, uuid=CELL0_UUID, name=CELL0_NAME, transport_url=NO_TRANSPORT_URL,
        database_connection=url))
    return get(api_db, CELL0_UUID), created


def _check_not_duplicate(api_db: Database, transport_url: str, database_connection: str,
                         ignore_uuid: str | None = None) -> None:
    others = [c for c in api_db.read(lambda conn: cell_repo.find_by_urls(
        conn, transport_url, database_connection)) if c.uuid != ignore_uuid]
    if others:
        raise exc.DuplicateCell(
            f"cell {others[0].label} already uses this transport URL and database "
            "connection")


def create_cell(api_db: Database, *, name: str | None, transport_url: str | None,
                database_connection: str | None, disabled: bool = False,
                verify: bool = True, report: Report = SILENT) -> CellMapping:
    """Map a cell, then number its services and compute nodes in the
    mapping's id range (if its schema exists yet; ``db sync`` does it
    otherwise)."""
    transport_url = urls.check_transport_url(transport_url)
    database_connection = urls.check_database_url(database_connection)
    _check_not_duplicate(api_db, transport_url, database_connection)
    if verify:
        check_reachable(database_connection)
    cell = api_db.write(lambda conn: cell_repo.create(
        conn, uuid=str(uuidlib.uuid4()), name=name, transport_url=transport_url,
        database_connection=database_connection, disabled=disabled))
    assign_id_range(cell, report)
    return cell


def assign_id_range(cell: CellMapping, report: Report = SILENT,
                    db: Database | None = None) -> list[id_ranges.Outcome]:
    """Move the cell's id counters into its range (``nubes.cells.id_ranges``);
    an unreachable database or a missing schema is reported, not raised
    (``db sync`` of the cell does it again)."""
    if cell.is_cell0:
        return []
    own = db is None
    try:
        db = db or Database(cell.database_connection, pool_size=1)
        outcomes = id_ranges.assign(db, cell.id)
    except (sa.exc.SQLAlchemyError, ImportError) as err:
        report.info(f"warning: cell {cell.label}: could not set its id range "
                    f"({_first_line(getattr(err, 'orig', None) or err)}); run db sync "
                    "of the cell")
        return []
    finally:
        if own and db is not None:
            db.dispose()
    for outcome in outcomes:
        loud = outcome.state in ("beyond", "no range")
        (report.info if loud else report.detail)(f"cell {cell.label}: {outcome.describe()}")
    return outcomes


def update_cell(api_db: Database, cell_uuid: str, *, name: str | None = None,
                transport_url: str | None = None, database_connection: str | None = None,
                disable: bool = False, enable: bool = False,
                verify: bool = True) -> CellMapping:
    if disable and enable:
        raise exc.ConflictingOptions("--disable and --enable cannot be used together")
    cell = get(api_db, cell_uuid)
    if cell.is_cell0 and (disable or enable):
        raise exc.Cell0Immutable("cell0 cannot be disabled or enabled: nothing is ever "
                                 "scheduled to it")
    if cell.is_cell0 and transport_url:
        raise exc.Cell0Immutable("cell0 has no message bus; it takes no transport URL")
    values: dict = {}
    if name is not None:
        values["name"] = name
    if transport_url is not None:
        values["transport_url"] = urls.check_transport_url(transport_url)
    if database_connection is not None:
        values["database_connection"] = urls.check_database_url(database_connection)
    if disable or enable:
        values["disabled"] = disable
    new_transport = values.get("transport_url", cell.transport_url)
    new_database = values.get("database_connection", cell.database_connection)
    if (new_transport, new_database) != (cell.transport_url, cell.database_connection):
        _check_not_duplicate(api_db, new_transport, new_database, ignore_uuid=cell.uuid)
    if verify and new_database != cell.database_connection:
        check_reachable(new_database)
    if values:
        api_db.write(lambda conn: cell_repo.update(conn, cell.id, **values))
    updated = get(api_db, cell_uuid)
    if updated.database_connection != cell.database_connection:
        assign_id_range(updated)
    return updated


def delete_cell(api_db: Database, databases: CellDatabases, cell_uuid: str, *,
                force: bool = False, report: Report = SILENT) -> CellMapping:
    """Delete a cell mapping.

    Refused while hosts are mapped to it (unless ``force``: their mappings go
    too and the cell's compute nodes are marked unmapped), while it holds
    live instances (always), and while mappings of its deleted instances
    remain (unless ``force``: they are deleted).
    """
    cell = get(api_db, cell_uuid)
    hosts = api_db.read(lambda conn: host_repo.count_in_cell(conn, cell.id))
    if hosts and not force:
        raise exc.CellHasHosts(f"{hosts} host(s) are mapped to cell {cell.label}; "
                               "use --force to delete their host mappings too")
    mappings = api_db.read(lambda conn: im_repo.count_in_cell(conn, cell.id))
    cell_db = databases.get(cell.database_connection)
    if mappings:
        try:
            live = cell_db.read(instance_repo.count_live)
        except sa.exc.DBAPIError as err:
            raise exc.CellDatabaseUnreachable(
                f"cannot check cell {cell.label} for instances: its database "
                f"{urls.mask(cell.database_connection)} is unreachable "
                f"({_first_line(err.orig)})") from None
        if live:
            raise exc.CellHasInstances(f"cell {cell.label} still has {live} instance(s)")
        if not force:
            raise exc.CellHasInstanceMappings(
                f"cell {cell.label} has {mappings} instance mapping(s) of deleted "
                "instances; archive deleted rows, or use --force to delete the mappings")
    if hosts:
        try:
            unmapped = cell_db.write(node_repo.mark_all_unmapped)
            report.info(f"Marked {unmapped} compute node(s) of cell {cell.label} unmapped")
        except sa.exc.DBAPIError as err:
            report.info(f"warning: could not mark the compute nodes of cell {cell.label} "
                        f"unmapped ({_first_line(err.orig)}); run discover_hosts if the "
                        "cell is added again")

    def remove(conn):
        if not force and (host_repo.count_in_cell(conn, cell.id)
                          or im_repo.count_in_cell(conn, cell.id)):
            # Mapped while we were checking (discover_hosts, a boot).
            raise exc.CellHasHosts(f"cell {cell.label} gained hosts or instances while "
                                   "being deleted; look again")
        removed_mappings = im_repo.delete_in_cell(conn, cell.id)
        removed_hosts = host_repo.delete_in_cell(conn, cell.id)
        im_repo.delete_marker(conn, cell.id)
        cell_repo.delete(conn, cell.id)
        return removed_mappings, removed_hosts

    removed_mappings, removed_hosts = api_db.write(remove)
    if removed_hosts or removed_mappings:
        report.info(f"Deleted {removed_hosts} host mapping(s) and {removed_mappings} "
                    f"instance mapping(s) of cell {cell.label}")
    return cell
