"""os-aggregates: host aggregates (API database), mirrored into placement.

Availability-zone rules (an aggregate's zone is its ``availability_zone``
metadata):
* a host may be in several aggregates but in one zone only: adding it to
  a zoned aggregate, or zoning an aggregate, is refused when one of the
  hosts is already in another zone;
* an aggregate's zone does not change while one of its hosts has
  instances (they would silently move zone);
* an aggregate with hosts cannot be deleted.
"""
from __future__ import annotations

import logging
import uuid as uuidlib

from sqlalchemy import exc as sa_exc

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import cells, placement_mirror
from nubes.api.compute.state import ComputeState
from nubes.cells.records import AZ_KEY, AggregateRecord
from nubes.cells.repo import aggregates as repo
from nubes.cells.repo import instances as instance_repo
from nubes.cells.repo import services as service_repo
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY

LOG = logging.getLogger(__name__)
UNSET = object()


def list_aggregates(state: ComputeState) -> list[AggregateRecord]:
    return state.api_db.read(repo.list_all)


def get(state: ComputeState, aggregate_id: int) -> AggregateRecord:
    return state.api_db.read(lambda conn: _get(conn, aggregate_id))


def _get(conn, aggregate_id: int) -> AggregateRecord:
    found = repo.get(conn, aggregate_id)
    if found is None:
        raise exc.NotFound(f"Aggregate {aggregate_id} could not be found.")
    return found


def _write(state: ComputeState, work, name: str | None = None):
    try:
        return state.api_db.write(work)
    except sa_exc.IntegrityError:
        # A concurrent request took the name (or added the same host).
        raise exc.Conflict(f"Aggregate {name} already exists." if name else
                           "The aggregate was changed concurrently; retry.") from None


def create(state: ComputeState, name: str, availability_zone: str | None) -> AggregateRecord:
    def work(conn):
        if repo.name_taken(conn, name):
            raise exc.Conflict(f"Aggregate {name} already exists.")
        metadata = {AZ_KEY: availability_zone} if availability_zone is not None else {}
        return repo.get(conn, repo.create(conn, uuid=str(uuidlib.uuid4()), name=name,
                                          metadata=metadata))
    return _write(state, work, name)


def update(state: ComputeState, ctx: RequestContext, aggregate_id: int, *, name=UNSET,
           availability_zone=UNSET) -> AggregateRecord:
    """Rename and/or re-zone (``None`` removes the zone)."""
    current = get(state, aggregate_id)
    if availability_zone is not UNSET:
        _check_no_instances(state, ctx, current, availability_zone, "update")

    def work(conn):
        aggregate = _get(conn, aggregate_id)
        if name is not UNSET and name != aggregate.name:
            if repo.name_taken(conn, name, other_than=aggregate_id):
                raise exc.Conflict(f"Aggregate {name} already exists.")
            repo.rename(conn, aggregate_id, name)
        if availability_zone is not UNSET:
            _check_zone_conflicts(conn, aggregate, availability_zone, aggregate.hosts, "update")
            repo.update_metadata(conn, aggregate_id, {AZ_KEY: availability_zone})
            repo.touch(conn, aggregate_id)
        return repo.get(conn, aggregate_id)
    return _write(state, work, None if name is UNSET else name)


def delete(state: ComputeState, aggregate_id: int) -> None:
    def work(conn):
        aggregate = _get(conn, aggregate_id)
        if aggregate.hosts:
            raise exc.Invalid(f"Cannot remove aggregate {aggregate_id}. Reason: Host "
                              "aggregate is not empty.")
        repo.delete(conn, aggregate_id)
    state.api_db.write(work)


def set_metadata(state: ComputeState, ctx: RequestContext, aggregate_id: int,
                 metadata: dict[str, str | None]) -> AggregateRecord:
    """Merge ``metadata`` into the aggregate's; a ``None`` value removes a key."""
    current = get(state, aggregate_id)
    if AZ_KEY in metadata:
        _check_no_instances(state, ctx, current, metadata[AZ_KEY], "update metadata of")

    def work(conn):
        aggregate = _get(conn, aggregate_id)
        if AZ_KEY in metadata:
            _check_zone_conflicts(conn, aggregate, metadata[AZ_KEY], aggregate.hosts,
                                  "update metadata of")
        repo.update_metadata(conn, aggregate_id, metadata)
        repo.touch(conn, aggregate_id)
        return repo.get(conn, aggregate_id)
    return state.api_db.write(work)


def add_host(state: ComputeState, ctx: RequestContext, aggregate_id: int,
             host: str) -> AggregateRecord:
    """Add a compute host (it must be mapped to a cell and have a
    nova-compute service there), then mirror it into placement."""
    get(state, aggregate_id)
    _require_compute_host(state, host)

    def work(conn):
        aggregate = _get(conn, aggregate_id)
        if host in aggregate.hosts:
            raise exc.Conflict(f"Aggregate {aggregate_id} already has host {host}.")
        if aggregate.availability_zone is not None:
            _check_zone_conflicts(conn, aggregate, aggregate.availability_zone, [host],
                                  "add host to")
        repo.add_host(conn, aggregate_id, host)
        return repo.get(conn, aggregate_id)
    result = _write(state, work)
    placement_mirror.mirror_host(state, ctx, result.uuid, host, member=True)
    return result


def remove_host(state: ComputeState, ctx: RequestContext, aggregate_id: int,
                host: str) -> AggregateRecord:
    def work(conn):
        _get(conn, aggregate_id)
        if not repo.remove_host(conn, aggregate_id, host):
            raise exc.NotFound(f"Aggregate {aggregate_id} has no host {host}.")
        return repo.get(conn, aggregate_id)
    result = state.api_db.write(work)
    placement_mirror.mirror_host(state, ctx, result.uuid, host, member=False)
    return result


# --- checks -------------------------------------------------------------------------

def _require_compute_host(state: ComputeState, host: str) -> None:
    cell = cells.cell_of_host(state, host)
    service = None if cell is None else cells.read(
        state, cell, lambda conn: service_repo.find_live(conn, host, COMPUTE_BINARY))
    if service is None:
        raise exc.NotFound(f"Compute host {host} could not be found.")


def _check_zone_conflicts(conn, aggregate: AggregateRecord, zone: str | None, hosts,
                          action: str) -> None:
    if zone is None or not hosts:
        return
    others = repo.zones_of_hosts(conn, hosts, excluding=aggregate.id)
    conflicting = sorted({z for names in others.values() for z in names if z != zone})
    if conflicting:
        raise exc.Invalid(f"Cannot {action} aggregate {aggregate.id}. Reason: One or more "
                          f"hosts already in availability zone(s) {conflicting}.")


def _check_no_instances(state: ComputeState, ctx: RequestContext, aggregate: AggregateRecord,
                        zone: str | None, action: str) -> None:
    if zone == aggregate.availability_zone or not aggregate.hosts:
        return
    hosts = list(aggregate.hosts)
    gathered = cells.in_every_cell(state, ctx,
                                   lambda conn: instance_repo.count_on_hosts(conn, hosts))
    reason = None
    if any(count for _, count in gathered.answered):
        reason = "One or more hosts contain instances in this zone."
    elif gathered.failed:
        reason = ("cannot tell whether its hosts have instances: cell(s) "
                  f"{', '.join(c.label for c in gathered.failed)} did not answer.")
    if reason:
        raise exc.Invalid(f"Cannot {action} aggregate {aggregate.id}. Reason: {reason}")
