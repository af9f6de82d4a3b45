"""Servers: the read side (list, list detail, show) across cells.

A server is in one of three places, and the API shows it from there:

* a **build request** (API database): accepted, not in a cell yet; shown
  as BUILD / scheduling from the serialized instance;
* a **cell** (cell0 included: instances that never got a host, in ERROR
  with a fault): the instance row plus, for the detailed view, its latest
  fault, tags, metadata, attached volumes and host status;
* a cell that **does not answer**: from 2.69, a minimal record built from
  the instance mapping and request spec (status UNKNOWN); before, left out.

Listing goes through :mod:`nubes.cells.lister` (build requests first, one
sorted page merged across cells, markers found in any cell).

(Create, delete and the server actions are added to this module by the
write-side flow; they share :func:`find` and :class:`Server`.)
"""
from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any, Sequence

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import lister, liveness
from nubes.cells import sort_order as ordering
from nubes.cells import scatter_gather as sg
from nubes.cells.exceptions import CellNotFound
from nubes.cells import instance_filters
from nubes.cells.instance_filters import InstanceFilters, matches
from nubes.cells.records import CellMapping
from nubes.cells.repo import (
    build_requests,
    instance_listing,
    instance_mappings,
    request_specs,
)
from nubes.cells.repo import services as service_repo
from nubes.cells.targeting import cell_of
from nubes.common import timeutils
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY

LOG = logging.getLogger(__name__)

BUILD_REQUEST, IN_CELL, DOWN_CELL = "build_request", "in_cell", "down_cell"
# Seconds a list or show waits for the slowest cell (tests may lower it).
CELL_TIMEOUT = sg.CELL_TIMEOUT


@dataclasses.dataclass(frozen=True)
class Extras:
    """What the view needs beyond the instance columns."""
    fault: bool = False
    tags: bool = False
    metadata: bool = False
    volumes: bool = False
    host_status: bool = False
    spec: bool = False

    def any(self) -> bool:
        return any(dataclasses.astuple(self))


@dataclasses.dataclass
class Server:
    """One server as the views need it.  ``instance`` holds the instance
    columns (for a down-cell record: uuid, project_id, user_id,
    created_at only)."""
    kind: str
    instance: dict[str, Any]
    cell: CellMapping | None = None
    fault: dict | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    volumes: list[dict] = dataclasses.field(default_factory=list)
    # UP / DOWN / MAINTENANCE / UNKNOWN, "" without a host; None: not asked.
    host_status: str | None = None
    spec: dict[str, Any] | None = None

    @property
    def uuid(self) -> str:
        return self.instance["uuid"]

    @property
    def flavor(self) -> dict[str, Any]:
        """The flavor the server was booted with (instance JSON, or the
        request spec's for a down-cell record)."""
        if self.kind == DOWN_CELL:
            return dict((self.spec or {}).get("flavor") or {})
        return flavor_of(self.instance)


def flavor_of(instance: dict[str, Any]) -> dict[str, Any]:
    raw = instance.get("flavor")
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclasses.dataclass(frozen=True)
class ListRequest:
    filters: InstanceFilters
    order: ordering.SortOrder
    limit: int
    marker: str | None = None
    extras: Extras = Extras()
    # 2.69+, no filters but the scope, no paging or sorting: instances in
    # cells that do not answer are listed as minimal records, first.
    down_cells_minimal: bool = False


@dataclasses.dataclass
class ServerList:
    servers: list[Server]
    down_cells: list[CellMapping]


# --- where instances are ------------------------------------------------------------

def _mapped_cell(state: ComputeState, uuid: str) -> CellMapping | None:
    mapping = state.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    if mapping is None or mapping.cell_id is None:
        return None
    try:
        return state.cells.by_id(mapping.cell_id)
    except CellNotFound:
        return None


# --- listing ---------------------------------------------------------------------------

def _visible_build_requests(state: ComputeState, f: InstanceFilters) -> list[dict]:
    if f.match_nothing or f.deleted is True:
        return []
    records = state.api_db.read(lambda conn: build_requests.list_records(
        conn, project_id=f.project_id, uuids=f.uuids))
    return [r for r in records
            if matches(f, r, tags=set(r.get("tags") or ()),
                       flavor_id=flavor_of(r).get("flavorid"))]


# What a listing may filter on (``deleted`` may be True, False or ANY).
ANY = instance_filters.ANY


def filters(**given) -> InstanceFilters:
    return InstanceFilters(**given)


def sort_order(keys: list[str], dirs: list[str]) -> ordering.SortOrder:
    """The listing order for the requested sort keys and directions (400 if
    they do not pair up)."""
    try:
        return ordering.sort_order(keys, dirs)
    except ValueError as err:
        raise exc.Invalid(str(err)) from None


def list_servers(state: ComputeState, ctx: RequestContext, req: ListRequest) -> ServerList:
    """One page of servers (build requests first); 400 for an unknown marker."""
    f = req.filters

    def cell_query(conn, cell, after, limit):
        records = instance_listing.page(conn, f, req.order, after, limit)
        for record in records:
            record["cell_uuid"] = cell.uuid
        return records

    def marker_in_cell(conn, uuid):
        return instance_listing.get(conn, uuid, project_id=f.project_id)

    source = lister.InstanceSource(
        build_requests=lambda: _visible_build_requests(state, f),
        cell_query=cell_query, marker_in_cell=marker_in_cell,
        marker_cell=lambda uuid: _mapped_cell(state, uuid))
    try:
        page = lister.list_instances(ctx, state.cells, source, req.order, req.limit,
                                     req.marker, timeout=CELL_TIMEOUT)
    except lister.MarkerNotFound as err:
        raise exc.Invalid(str(err)) from None
    except lister.MarkerCellDown as err:
        raise exc.Unavailable(f"Unable to find marker {err.marker}: its cell is not "
                              "responding.") from None
    cells = {c.uuid: c for c in state.cells.cells()}
    servers = [Server(BUILD_REQUEST, r, tags=list(r.get("tags") or ()),
                      metadata=dict(r.get("metadata") or {}))
               for r in page.build_requests]
    servers += [Server(IN_CELL, r, cell=cells.get(r["cell_uuid"])) for r in page.instances]
    _add_extras(state, ctx, servers, req.extras)
    if req.down_cells_minimal and page.down_cells:
        servers = _down_cell_servers(state, page.down_cells, f.project_id) + servers
    return ServerList(servers, page.down_cells)


def _down_cell_servers(state: ComputeState, cells: list[CellMapping],
                       project_id: str | None) -> list[Server]:
    by_id = {c.id: c for c in cells}
    mappings = state.api_db.read(lambda conn: instance_mappings.live_in_cells(
        conn, by_id, project_id=project_id))
    specs = state.api_db.read(lambda conn: request_specs.specs_of(
        conn, [m["instance_uuid"] for m in mappings]))
    return [Server(DOWN_CELL, {"uuid": m["instance_uuid"], "project_id": m["project_id"],
                               "user_id": m["user_id"], "created_at": m["created_at"]},
                   cell=by_id[m["cell_id"]], spec=specs.get(m["instance_uuid"]))
            for m in mappings]


# --- one server ---------------------------------------------------------------------

def find(state: ComputeState, ctx: RequestContext, uuid: str, *,
         extras: Extras = Extras(), down_cell_minimal: bool = False) -> Server:
    """The server ``uuid`` as ``ctx`` may see it: 404 when unknown, deleted
    or another project's (for non-admins); a cell that does not answer is
    a minimal record with ``down_cell_minimal`` and a 503 otherwise."""
    mapping = state.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    if mapping is None or (not ctx.is_admin and mapping.project_id != ctx.project_id):
        raise exc.NotFound(f"Instance {uuid} could not be found.")
    if mapping.cell_id is None:
        record = state.api_db.read(lambda conn: build_requests.get_record(conn, uuid))
        if record is not None:
            return Server(BUILD_REQUEST, record, tags=list(record.get("tags") or ()),
                          metadata=dict(record.get("metadata") or {}))
        # The super-conductor may have just moved it to a cell.
        mapping = state.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
        if mapping is None or mapping.cell_id is None:
            raise exc.NotFound(f"Instance {uuid} could not be found.")
    try:
        cell = state.cells.by_id(mapping.cell_id)
    except CellNotFound:
        raise exc.NotFound(f"Instance {uuid} could not be found.") from None
    try:
        record = state.cells.database(cell).read(
            lambda conn: instance_listing.get(conn, uuid, include_deleted=False))
    except sa.exc.SQLAlchemyError as err:
        LOG.warning("showing %s: cell %s failed: %s", uuid, cell.label, err)
        if not down_cell_minimal:
            raise exc.Unavailable(f"Instance {uuid}: its cell is not responding.") from None
        spec = state.api_db.read(lambda conn: request_specs.specs_of(conn, [uuid]))
        return Server(DOWN_CELL, {"uuid": uuid, "project_id": mapping.project_id,
                                  "user_id": mapping.user_id,
                                  "created_at": _mapping_created(state, uuid)},
                      cell=cell, spec=spec.get(uuid))
    if record is None:
        raise exc.NotFound(f"Instance {uuid} could not be found.")
    record["cell_uuid"] = cell.uuid
    server = Server(IN_CELL, record, cell=cell)
    _add_extras(state, ctx, [server], extras)
    return server


def _mapping_created(state: ComputeState, uuid: str):
    return state.api_db.read(lambda conn: instance_mappings.created_at(conn, uuid))


# --- what the detailed view adds ------------------------------------------------------

def _host_statuses(conn: sa.Connection, down_time: int) -> dict[str, str]:
    now = timeutils.utcnow()
    statuses = {}
    for svc in service_repo.list_live(conn, binary=COMPUTE_BINARY):
        if not svc.host:
            continue
        if not liveness.is_up(svc, now, down_time):
            statuses[svc.host] = "DOWN"
        elif svc.disabled:
            statuses[svc.host] = "MAINTENANCE"
        else:
            statuses[svc.host] = "UP"
    return statuses


def _cell_extras(conn: sa.Connection, uuids: Sequence[str], extras: Extras,
                 down_time: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if extras.fault:
        found["fault"] = instance_listing.latest_faults(conn, uuids)
    if extras.tags:
        found["tags"] = instance_listing.tags_of(conn, uuids)
    if extras.metadata:
        found["metadata"] = instance_listing.metadata_of(conn, uuids)
    if extras.volumes:
        found["volumes"] = instance_listing.volumes_of(conn, uuids)
    if extras.host_status:
        found["host_status"] = _host_statuses(conn, down_time)
    return found


def _add_extras(state: ComputeState, ctx: RequestContext, servers: list[Server],
                extras: Extras) -> None:
    in_cells = [s for s in servers if s.kind == IN_CELL and s.cell is not None]
    if extras.spec and servers:
        specs = state.api_db.read(lambda conn: request_specs.specs_of(
            conn, [s.uuid for s in servers]))
        for s in servers:
            s.spec = specs.get(s.uuid)
    if extras.host_status:
        for s in servers:
            if s.kind == BUILD_REQUEST:
                s.host_status = ""
    cell_extras = Extras(**{**dataclasses.asdict(extras), "spec": False})
    if not in_cells or not cell_extras.any():
        return
    by_cell: dict[str, list[Server]] = {}
    for s in in_cells:
        by_cell.setdefault(s.cell.uuid, []).append(s)
    cells = [by_cell[uuid][0].cell for uuid in by_cell]
    down_time = state.conf.service_down_time

    def work(cctx):
        uuids = [s.uuid for s in by_cell[cell_of(cctx).uuid]]
        return cell_of(cctx).db.read(lambda conn: _cell_extras(conn, uuids, cell_extras,
                                                               down_time))

    results = sg.scatter_gather(ctx, cells, work, timeout=CELL_TIMEOUT,
                                databases=state.cells.databases)
    for cell_uuid, members in by_cell.items():
        found = results.get(cell_uuid)
        if sg.is_failure(found):
            found = {}      # the cell went away since the page was read
        for s in members:
            if "fault" in found:
                s.fault = found["fault"].get(s.uuid)
            if "tags" in found:
                s.tags = found["tags"].get(s.uuid, [])
            if "metadata" in found:
                s.metadata = found["metadata"].get(s.uuid, {})
            if "volumes" in found:
                s.volumes = found["volumes"].get(s.uuid, [])
            if extras.host_status:
                host = s.instance.get("host")
                s.host_status = ("" if not host
                                 else found.get("host_status", {}).get(host, "UNKNOWN"))
