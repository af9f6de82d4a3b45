"""os-services: the services of every cell, their status, and deletion.

Services live in their cell's database; the API reaches them by uuid
(2.53+, unique across cells), by integer id (older microversions: each
cell numbers its services in its own range, ``nubes.cells.id_ranges``, so
an id names one cell; ids below every range are looked up in every cell
and are ambiguous when two cells use the same one) or by host and binary.

Enabling or disabling a nova-compute service writes its record (the truth,
which the host also picks up at its next liveness report) and then, after
the commit, casts ``set_host_enabled`` to the host on its cell's bus so that
its providers' ``COMPUTE_STATUS_DISABLED`` trait changes at once.  A host
that is down gets no cast (it adopts the record when it reports again); a
cast that cannot be delivered is logged: the API call still succeeds.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import cells, zones
from nubes.api.compute.state import ComputeState
from nubes.cells import liveness
from nubes.cells.records import CellMapping, ServiceRecord
from nubes.cells.repo import aggregates as aggregate_repo
from nubes.cells.repo import compute_nodes as node_repo
from nubes.cells.repo import host_mappings as host_mapping_repo
from nubes.cells.repo import instances as instance_repo
from nubes.cells.repo import services as service_repo
from nubes.common import rpc, timeutils
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY
from nubes.compute import messages as compute_messages
from nubes.compute import rpcapi as compute_rpcapi
from nubes.placement import client as placement_client

LOG = logging.getLogger(__name__)
_UNSET = object()


@dataclasses.dataclass(frozen=True)
class ServiceStatus:
    """A service as the API shows it: the record plus where it is and
    whether it is up."""
    cell: CellMapping
    record: ServiceRecord
    zone: str
    up: bool
    updated_at: datetime.datetime | None   # its newest change or heartbeat


@dataclasses.dataclass
class ServiceList:
    services: list[ServiceStatus]
    # Compute hosts mapped to cells that did not answer: shown as records
    # of unknown status from 2.69, left out before.
    unreachable_hosts: list[str]


def _status(state: ComputeState, cell: CellMapping, record: ServiceRecord,
            host_zone: dict[str, str]) -> ServiceStatus:
    return ServiceStatus(cell=cell, record=record,
                         zone=zones.service_zone(state, record, host_zone),
                         up=liveness.is_up(record, timeutils.utcnow(),
                                           state.conf.service_down_time),
                         updated_at=liveness.last_activity(record))


def _one_status(state: ComputeState, cell: CellMapping, record: ServiceRecord) -> ServiceStatus:
    host_zone = zones.host_zones(state, [record.host]) if record.host else {}
    return _status(state, cell, record, host_zone)


def list_services(state: ComputeState, ctx: RequestContext, *, host: str | None = None,
                  binary: str | None = None) -> ServiceList:
    gathered = cells.in_every_cell(
        state, ctx, lambda conn: service_repo.list_live(conn, host=host, binary=binary))
    host_zone = zones.host_zones(state)
    found = [_status(state, cell, record, host_zone)
             for cell, records in gathered.answered for record in records]
    unreachable: list[str] = []
    if gathered.failed and binary in (None, COMPUTE_BINARY):
        unreachable = [h for h in cells.hosts_of_cells(state, gathered.failed)
                       if host is None or h == host]
    return ServiceList(found, unreachable)


# --- finding one service ------------------------------------------------------

def _find(state: ComputeState, ctx: RequestContext, read, what: str, *,
          only: list[CellMapping] | None = None) -> tuple[CellMapping, ServiceRecord]:
    gathered = cells.in_every_cell(state, ctx, read, only=only)
    matches = [(cell, record) for cell, record in gathered.answered if record is not None]
    return cells.the_one(matches, missing=f"Service {what} could not be found.",
                         named=f"Service {what}", things="service")


def find_by_uuid(state: ComputeState, ctx: RequestContext, uuid: str):
    return _find(state, ctx, lambda conn: service_repo.get_live(conn, uuid=uuid), uuid)


def find_by_id(state: ComputeState, ctx: RequestContext, service_id: int):
    """Read only in the cell whose id range covers ``service_id``."""
    return _find(state, ctx, lambda conn: service_repo.get_live(conn, service_id=service_id),
                 str(service_id), only=cells.cells_for_id(state, service_id))


def find_by_host_binary(state: ComputeState, ctx: RequestContext, host: str, binary: str):
    try:
        return _find(state, ctx, lambda conn: service_repo.find_live(conn, host, binary),
                     f"{binary} on host {host}")
    except exc.NotFound:
        raise exc.NotFound(f"Could not find binary {binary} on host {host}.") from None


# --- changing status -------------------------------------------------------------

def _apply(state: ComputeState, ctx: RequestContext, cell: CellMapping,
           record: ServiceRecord, values: dict) -> ServiceStatus:
    def work(conn):
        if not service_repo.update(conn, record.id, **values):
            raise exc.NotFound(f"Service {record.uuid or record.id} could not be found.")
        return service_repo.get_live(conn, service_id=record.id)
    status = _one_status(state, cell, cells.write(state, cell, work))
    if "disabled" in values and status.record.binary == COMPUTE_BINARY:
        _tell_host(state, ctx, status)   # after the commit
    return status


def _set_host_enabled_cast(transport: rpc.Transport, ctx: RequestContext, host: str,
                           enabled: bool) -> rpc.Outgoing:
    """``ComputeAPI.set_host_enabled`` as an encoded cast (the typed
    ComputeAPI only has the call, which would hold the request until the
    host answered)."""
    client = rpc.RPCClient(transport, rpc.Target(compute_messages.TOPIC, host),
                           version=compute_rpcapi.VERSION)
    return client.message(ctx, "set_host_enabled", enabled=enabled)


def _tell_host(state: ComputeState, ctx: RequestContext, status: ServiceStatus) -> None:
    """Cast the new enabled state to a compute host; never fails the request."""
    record, cell = status.record, status.cell
    enabled = not record.disabled
    if state.buses is None or not record.host:
        return
    if not status.up:
        LOG.info("compute service on host %s is down: it takes the change (%s) from its "
                 "service record when it reports again", record.host,
                 "enabled" if enabled else "disabled")
        return
    try:
        transport = state.buses.transport(cell)
        if transport is None:
            return
        state.buses.cast_after_commit(
            _set_host_enabled_cast(transport, ctx, record.host, enabled),
            # Not taken by then, the host is down and reads the record anyway.
            ttl=state.conf.service_down_time)
    except Exception as err:  # noqa: BLE001 - the record is committed and is the truth
        LOG.warning("could not cast set_host_enabled(%s) to host %s in cell %s: %s: %s; "
                    "the host picks the change up at its next report", enabled,
                    record.host, cell.label, type(err).__name__, err)


def update_compute_service(state: ComputeState, ctx: RequestContext, uuid: str, *,
                           status: str | None = None, disabled_reason=_UNSET,
                           forced_down: bool | None = None) -> ServiceStatus:
    """``PUT /os-services/{uuid}`` (2.53+): enable or disable (with a reason)
    and force down or up a nova-compute service."""
    if disabled_reason is not _UNSET and status != "disabled":
        raise exc.Invalid("Specifying 'disabled_reason' with status other than 'disabled' "
                          "is invalid.")
    if status is None and forced_down is None:
        raise exc.Invalid("No updates were requested. Fields 'status' or 'forced_down' "
                          "should be specified.")
    cell, record = find_by_uuid(state, ctx, uuid)
    if record.binary != COMPUTE_BINARY:
        raise exc.Invalid(f"Updating a {record.binary} service is not supported. Only "
                          f"{COMPUTE_BINARY} services can be updated.")
    values: dict = {}
    if status is not None:
        values["disabled"] = status == "disabled"
        values["disabled_reason"] = (None if status == "enabled" or disabled_reason is _UNSET
                                     else disabled_reason)
    if forced_down is not None:
        values["forced_down"] = forced_down
    return _apply(state, ctx, cell, record, values)


def set_by_host_binary(state: ComputeState, ctx: RequestContext, host: str, binary: str, *,
                       disabled: bool | None = None, disabled_reason=_UNSET,
                       forced_down: bool | None = None) -> ServiceStatus:
    """The pre-2.53 actions (enable, disable, disable-log-reason, force-down)."""
    cell, record = find_by_host_binary(state, ctx, host, binary)
    values: dict = {}
    if disabled is not None:
        values["disabled"] = disabled
        values["disabled_reason"] = None if disabled_reason is _UNSET else disabled_reason
    if forced_down is not None:
        values["forced_down"] = forced_down
    return _apply(state, ctx, cell, record, values)


# --- deleting -----------------------------------------------------------------------

def delete_service(state: ComputeState, ctx: RequestContext, *, uuid: str | None = None,
                   service_id: int | None = None) -> None:
    """Delete a service.  A nova-compute service is refused while its host
    has instances; otherwise its compute nodes' resource providers go from
    placement, then (one cell transaction) the service and its compute
    nodes, then (one API transaction) the host's aggregate memberships and
    host mapping.  The compute process should be stopped first, or it
    registers itself again."""
    if uuid is not None:
        cell, record = find_by_uuid(state, ctx, uuid)
    else:
        cell, record = find_by_id(state, ctx, service_id)
    if record.binary != COMPUTE_BINARY or not record.host:
        cells.write(state, cell, lambda conn: service_repo.soft_delete(conn, record.id))
        return
    host = record.host
    _refuse_if_hosting(cells.read(state, cell,
                                  lambda conn: instance_repo.count_on_hosts(conn, [host])))
    nodes = cells.read(state, cell, lambda conn: node_repo.list_live(conn, host=host))
    _delete_providers(state, ctx, [n.uuid for n in nodes])

    def in_cell(conn):
        _refuse_if_hosting(instance_repo.count_on_hosts(conn, [host]))
        node_repo.soft_delete_on_host(conn, host)
        service_repo.soft_delete(conn, record.id)
    cells.write(state, cell, in_cell)

    def in_api(conn):
        aggregate_repo.remove_host_everywhere(conn, host)
        host_mapping_repo.delete_by_host(conn, host)
    state.api_db.write(in_api)


def _refuse_if_hosting(count: int) -> None:
    if count:
        raise exc.Conflict("Unable to delete compute service that is hosting instances. "
                           "Migrate or delete the instances first.")


def _delete_providers(state: ComputeState, ctx: RequestContext, node_uuids: list[str]) -> None:
    if not node_uuids:
        return
    if state.placement is None:
        LOG.warning("placement is not configured: resource providers %s are left in "
                    "placement", ", ".join(node_uuids))
        return
    request_id = cells.forwarded_request_id(ctx)
    for node_uuid in node_uuids:
        try:
            state.placement.delete_provider_tree(node_uuid, request_id=request_id)
        except placement_client.PlacementConflict as err:
            raise exc.Conflict(f"Unable to delete compute service: placement refused to "
                               f"delete resource provider {node_uuid}: {err.detail}") from None
        except placement_client.PlacementError as err:
            raise exc.Unavailable(f"Unable to delete compute service: {err}") from None
