"""os-hosts (before 2.43): hosts as their services show them, and what a
compute host holds.

A host is found through its host mapping (its cell) and its nova-compute
service there; what it holds comes from its first compute node (capacity
and the usage the node reports) and the live instances on it (their sizes,
in all and per project).  Power actions and maintenance mode need a virt
driver call nubes's drivers do not offer: the handlers answer 501 once the
host is known.
"""
from __future__ import annotations

import dataclasses

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import cells
from nubes.api.compute.service import services as service_ops
from nubes.api.compute.state import ComputeState
from nubes.cells.records import CellMapping, ComputeNodeRecord
from nubes.cells.repo import compute_nodes as node_repo
from nubes.cells.repo import instance_usage as usage_repo
from nubes.cells.repo import services as service_repo
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY


@dataclasses.dataclass(frozen=True)
class HostService:
    host: str
    service: str | None    # the service's topic (compute, conductor, scheduler)
    zone: str


@dataclasses.dataclass(frozen=True)
class Resource:
    project: str           # a project id, or (total), (used_now), (used_max)
    cpu: int
    memory_mb: int
    disk_gb: int


def list_hosts(state: ComputeState, ctx: RequestContext,
               zone: str | None = None) -> list[HostService]:
    listing = service_ops.list_services(state, ctx)
    return [HostService(s.record.host, s.record.topic, s.zone) for s in listing.services
            if s.record.host and (zone is None or s.zone == zone)]


def _cell_of(state: ComputeState, host: str) -> CellMapping:
    cell = cells.cell_of_host(state, host)
    if cell is None:
        raise exc.NotFound(f"Host '{host}' is not mapped to any cell")
    return cell


def check_compute_host(state: ComputeState, host: str) -> None:
    """404 unless ``host`` is mapped and has a nova-compute service."""
    cell = _cell_of(state, host)
    found = cells.read(state, cell,
                       lambda conn: service_repo.find_live(conn, host, COMPUTE_BINARY))
    if found is None:
        raise exc.NotFound(f"Compute host {host} could not be found.")


def _sum(project: str, rows) -> Resource:
    return Resource(project, cpu=sum(r.vcpus or 0 for r in rows),
                    memory_mb=sum(r.memory_mb or 0 for r in rows),
                    disk_gb=sum((r.root_gb or 0) + (r.ephemeral_gb or 0) for r in rows))


def resources(state: ComputeState, host: str) -> list[Resource]:
    """(total), (used_now), (used_max), then one per project, by project id."""
    cell = _cell_of(state, host)

    def read(conn) -> tuple[ComputeNodeRecord | None, list]:
        nodes = node_repo.list_live(conn, host=host)
        return (nodes[0] if nodes else None), usage_repo.sizes_on_host(conn, host)

    node, instances = cells.read(state, cell, read)
    if node is None:
        raise exc.NotFound(f"Compute host {host} could not be found.")
    found = [Resource("(total)", node.vcpus, node.memory_mb, node.local_gb),
             Resource("(used_now)", node.vcpus_used, node.memory_mb_used, node.local_gb_used),
             _sum("(used_max)", instances)]
    projects: dict[str, list] = {}
    for row in instances:
        projects.setdefault(row.project_id or "", []).append(row)
    found.extend(_sum(project, rows) for project, rows in sorted(projects.items()))
    return found
