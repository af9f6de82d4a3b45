"""os-hypervisors: the compute nodes of every cell with their service.

A node is listed only while its host has a live nova-compute service in
the same cell (a node left behind by a deleted service is not a
hypervisor any more).  Order: cell by cell (mapping order), node id within
a cell; paging markers are node uuids (2.53+) or ids.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable, TypeVar

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import cells
from nubes.api.compute.state import ComputeState
from nubes.cells import liveness
from nubes.cells.records import CellMapping, ComputeNodeRecord, ServiceRecord
from nubes.cells.repo import compute_nodes as node_repo
from nubes.cells.repo import instances as instance_repo
from nubes.cells.repo import services as service_repo
from nubes.common import timeutils
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY

LOG = logging.getLogger(__name__)
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Server:
    name: str
    uuid: str


@dataclasses.dataclass(frozen=True)
class Hypervisor:
    cell: CellMapping
    node: ComputeNodeRecord
    service: ServiceRecord
    up: bool
    running_vms: int
    servers: tuple[Server, ...] | None   # None: not asked for


def instance_name(instance_id: int) -> str:
    """The hypervisor-side name of an instance (``instance-%08x``)."""
    return f"instance-{instance_id:08x}"


def _reader(*, pattern: str | None, node_uuid: str | None, node_id: int | None,
            with_servers: bool) -> Callable[[sa.Connection], list[tuple]]:
    def read(conn):
        if node_uuid is not None or node_id is not None:
            node = node_repo.get_live(conn, uuid=node_uuid, node_id=node_id)
            nodes = [node] if node is not None else []
        else:
            nodes = node_repo.list_live(conn, hostname_contains=pattern)
        if not nodes:
            return []
        services = {s.host: s for s in service_repo.list_live(conn, binary=COMPUTE_BINARY)}
        counts = instance_repo.counts_by_node(conn)
        servers = (instance_repo.on_nodes(conn, [(n.host, n.hypervisor_hostname)
                                                  for n in nodes]) if with_servers else {})
        rows = []
        for node in nodes:
            service = services.get(node.host)
            if service is None:
                continue
            key = (node.host, node.hypervisor_hostname)
            rows.append((node, service, counts.get(key, 0),
                         tuple(Server(instance_name(i), u) for i, u in servers.get(key, []))
                         if with_servers else None))
        return rows
    return read


def _gather(state: ComputeState, ctx: RequestContext, read, *,
            only: list[CellMapping] | None = None) -> list[Hypervisor]:
    gathered = cells.in_every_cell(state, ctx, read, only=only)
    for cell in gathered.failed:
        LOG.warning("cell %s did not answer: its hypervisors are not listed", cell.label)
    now, down_time = timeutils.utcnow(), state.conf.service_down_time
    return [Hypervisor(cell=cell, node=node, service=service,
                       up=liveness.is_up(service, now, down_time),
                       running_vms=running, servers=servers)
            for cell, rows in gathered.answered for node, service, running, servers in rows]


def list_hypervisors(state: ComputeState, ctx: RequestContext, *, pattern: str | None = None,
                     with_servers: bool = False) -> list[Hypervisor]:
    """Every hypervisor, or those whose hostname contains ``pattern``
    (literally); a pattern that matches none is a 404."""
    found = _gather(state, ctx, _reader(pattern=pattern, node_uuid=None, node_id=None,
                                        with_servers=with_servers))
    if pattern is not None and not found:
        raise exc.NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


def get_by_uuid(state: ComputeState, ctx: RequestContext, uuid: str, *,
                with_servers: bool = False) -> Hypervisor:
    found = _gather(state, ctx, _reader(pattern=None, node_uuid=uuid, node_id=None,
                                        with_servers=with_servers))
    if not found:
        raise exc.NotFound(f"Hypervisor with ID '{uuid}' could not be found.")
    return found[0]


def get_by_id(state: ComputeState, ctx: RequestContext, node_id: int, *,
              with_servers: bool = False) -> Hypervisor:
    """The hypervisor with integer id ``node_id`` (before 2.53), read only
    in the cell whose id range covers it (``cells.cells_for_id``)."""
    found = _gather(state, ctx, _reader(pattern=None, node_uuid=None, node_id=node_id,
                                        with_servers=with_servers),
                    only=cells.cells_for_id(state, node_id))
    return cells.the_one(found, missing=f"Hypervisor with ID '{node_id}' could not be found.",
                         named=f"Hypervisor id {node_id}", things="hypervisor")


def page(items: list[T], key: Callable[[T], object], *, limit: int,
         marker: object | None = None) -> tuple[list[T], bool]:
    """Up to ``limit`` items after the one whose ``key`` is ``marker``, and
    whether more follow.  An unknown marker is a 400."""
    start = 0
    if marker is not None:
        for index, item in enumerate(items):
            if key(item) == marker:
                start = index + 1
                break
        else:
            raise exc.Invalid(f"marker [{marker}] not found")
    chosen = items[start:start + limit]
    return chosen, start + limit < len(items)
