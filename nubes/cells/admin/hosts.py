"""Host discovery (compute hosts of each cell -> host mappings) and listing."""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from nubes.cells.admin import SILENT, Report
from nubes.cells.admin import cells as cells_admin
from nubes.cells.records import CellMapping, HostMapping
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.cells.repo import compute_nodes as node_repo
from nubes.cells.repo import host_mappings as host_repo
from nubes.cells.repo import services as service_repo
from nubes.cells.targeting import CellDatabases
from nubes.common.db.transaction import Database

BATCH = 200  # host mappings written per transaction


@dataclasses.dataclass
class Discovery:
    mapped: list[tuple[CellMapping, str]] = dataclasses.field(default_factory=list)
    # A host of this cell that is already mapped to another cell.
    conflicts: list[tuple[CellMapping, HostMapping]] = dataclasses.field(default_factory=list)
    failed_cells: list[tuple[CellMapping, str]] = dataclasses.field(default_factory=list)


def discover_hosts(api_db: Database, databases: CellDatabases, *,
                   cell_uuid: str | None = None, by_service: bool = False,
                   report: Report = SILENT) -> Discovery:
    """Map the compute hosts of every cell (or one) that have no host mapping.

    By default a cell's compute nodes not yet flagged ``mapped`` are the
    candidates; ``by_service`` takes every compute service's host instead
    (a service may have no node yet, or many).  Idempotent, and safe to run
    while another run is going: a host mapped by someone else in the
    meantime is simply skipped.
    """
    if cell_uuid:
        cells = [cells_admin.get(api_db, cell_uuid)]
    else:
        cells = api_db.read(cell_repo.list_all)
        report.info(f"Found {len(cells)} cell mappings.")
    result = Discovery()
    for cell in cells:
        if cell.is_cell0:
            report.info("Skipping cell0 since it does not contain hosts.")
            continue
        try:
            _discover_in_cell(api_db, databases.get(cell.database_connection), cell,
                              by_service, report, result)
        except sa.exc.DBAPIError as err:
            reason = str(err.orig).strip().splitlines()[0] if str(err.orig).strip() else ""
            report.info(f"error: cell {cell.label}: cannot read its database: {reason}")
            result.failed_cells.append((cell, reason))
    return result


def _discover_in_cell(api_db: Database, cell_db: Database, cell: CellMapping,
                      by_service: bool, report: Report, result: Discovery) -> None:
    if by_service:
        report.info(f"Getting compute services from cell {cell.label}")
        hosts = cell_db.read(service_repo.compute_hosts)
        report.info(f"Found {len(hosts)} compute services in cell: {cell.uuid}")
        for host in hosts:
            report.detail(f"Checking host mapping for compute service host '{host}'")
    else:
        report.info(f"Getting computes from cell {cell.label}")
        nodes = cell_db.read(node_repo.unmapped)
        report.info(f"Found {len(nodes)} unmapped computes in cell: {cell.uuid}")
        hosts = []
        for node in nodes:
            report.detail(f"Checking host mapping for compute host '{node.host}': {node.uuid}")
            if node.host and node.host not in hosts:
                hosts.append(node.host)
    if not hosts:
        return
    known = api_db.read(lambda conn: host_repo.get_by_hosts(conn, hosts))
    new = [h for h in hosts if h not in known]
    for start in range(0, len(new), BATCH):
        chunk = new[start:start + BATCH]
        for host in chunk:
            report.detail(f"Creating host mapping for compute host '{host}'")
        api_db.write(lambda conn, chunk=chunk: host_repo.insert_missing(conn, cell.id, chunk))
        if len(new) > BATCH:
            report.info(f"Mapped {min(start + BATCH, len(new))}/{len(new)} hosts "
                        f"of cell {cell.label}")
    now = api_db.read(lambda conn: host_repo.get_by_hosts(conn, hosts))
    mine = [h for h in hosts if h in now and now[h].cell_id == cell.id]
    for host in hosts:
        if host in now and now[host].cell_id != cell.id:
            report.info(f"error: host '{host}' of cell {cell.label} is already mapped to "
                        f"cell '{now[host].cell_name or ''}' ({now[host].cell_uuid})")
            result.conflicts.append((cell, now[host]))
    result.mapped.extend((cell, h) for h in new if h in mine)
    cell_db.write(lambda conn: node_repo.mark_mapped(conn, mine))


def list_hosts(api_db: Database, cell_uuid: str | None = None) -> list[HostMapping]:
    cell_id = None
    if cell_uuid:
        cell_id = cells_admin.get(api_db, cell_uuid).id
    return api_db.read(lambda conn: host_repo.list_all(conn, cell_id))



