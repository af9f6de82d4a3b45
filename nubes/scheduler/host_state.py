"""Host states: what filters and weighers know about a candidate host.

A :class:`HostState` joins three sources for one compute node:

* placement's answer: the node's root provider summary (capacity and
  usage per class, traits) and the allocation requests that put
  resources on its tree;
* the node's cell: its compute node row and its ``nova-compute`` service
  row (up, disabled), read from every enabled cell in parallel;
* the API database: the host's mapping (which cell the conductor will
  build in; an unmapped host is not schedulable) and its host aggregates
  (availability zone, metadata).

The database rows change slowly and are read for every request by every
scheduler, so :class:`HostCatalog` keeps them for ``[scheduler]
host_state_cache_ttl`` seconds.  Placement's answer is never cached: it
is the truth about capacity, and the claim checks it again anyway.

Usage is tracked per provider in :class:`ProviderUsage`, shared by every
host state of one scheduling cycle (a sharing provider serves many hosts),
so that a multi-create sees its own earlier claims.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import threading
import time
from typing import Any, Callable

from nubes.cells import liveness, scatter_gather
from nubes.cells.records import AggregateRecord, ComputeNodeRecord, ServiceRecord
from nubes.cells.repo import aggregates as aggregate_repo
from nubes.cells.repo import compute_nodes as node_repo
from nubes.cells.repo import host_mappings as host_mapping_repo
from nubes.cells.repo import services as service_repo
from nubes.cells.targeting import CellRegistry
from nubes.common import timeutils
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY
from nubes.placement.client import AllocationCandidates
from nubes.scheduler.messages import RequestSpec

LOG = logging.getLogger(__name__)


# --- usage per provider -------------------------------------------------------

class ProviderUsage:
    """Capacity and usage per provider and class, from the provider
    summaries, updated by this cycle's own claims."""

    def __init__(self, summaries: dict[str, dict]):
        # Placement's numbers are integers (capacity truncated as placement
        # does); this cycle's claims add integers too.
        self._usage: dict[str, dict[str, list[int]]] = {
            rp: {rc: [v.get("capacity", 0), v.get("used", 0)]
                 for rc, v in (summary.get("resources") or {}).items()}
            for rp, summary in summaries.items()}

    def free(self, rp: str, rc: str) -> float:
        entry = self._usage.get(rp, {}).get(rc)
        return 0.0 if entry is None else entry[0] - entry[1]

    def fits(self, allocation_request: dict) -> bool:
        """Whether the request still fits as far as this cycle knows."""
        for rp, alloc in allocation_request["allocations"].items():
            for rc, amount in alloc["resources"].items():
                entry = self._usage.get(rp, {}).get(rc)
                if entry is not None and entry[1] + amount > entry[0]:
                    return False
        return True

    def consume(self, allocation_request: dict) -> None:
        for rp, alloc in allocation_request["allocations"].items():
            for rc, amount in alloc["resources"].items():
                entry = self._usage.get(rp, {}).get(rc)
                if entry is not None:
                    entry[1] += amount


# --- host states ------------------------------------------------------------------

@dataclasses.dataclass
class HostState:
    host: str
    nodename: str
    uuid: str                       # compute node uuid == its root provider uuid
    cell_uuid: str
    availability_zone: str
    service_up: bool
    service_disabled: bool
    hypervisor_type: str | None
    hypervisor_version: int | None
    cpu_info: dict[str, Any]
    aggregates: list[AggregateRecord]
    traits: frozenset[str]
    allocation_requests: list[dict]
    usage: ProviderUsage

    def free(self, rc: str) -> float:
        """Free capacity of class ``rc`` on the node's own provider."""
        return self.usage.free(self.uuid, rc)

    def fitting_request(self) -> dict | None:
        """The first allocation request that still fits, if any."""
        for request in self.allocation_requests:
            if self.usage.fits(request):
                return request
        return None

    @property
    def label(self) -> str:
        return self.host if self.host == self.nodename else f"{self.host}/{self.nodename}"

    def __repr__(self) -> str:
        return f"<HostState {self.label} cell={self.cell_uuid[:8]}>"


# --- database rows, cached ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class NodeRow:
    node: ComputeNodeRecord
    service: ServiceRecord
    cell_uuid: str


@dataclasses.dataclass
class Snapshot:
    """The rows one scheduling request looks at (possibly a few seconds old)."""
    nodes: dict[str, NodeRow]                  # compute node uuid -> rows
    aggregates: list[AggregateRecord]
    zone_of_host: dict[str, str]
    aggregates_of_host: dict[str, list[AggregateRecord]]
    failed_cells: list[str]
    loaded_at: float
    # Per node, what its host state takes from these rows (made once per
    # snapshot, not per request): HostState keyword arguments, and the
    # window of times in which its service counts as up (None: down).
    statics: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    up_windows: dict[str, tuple[datetime.datetime, datetime.datetime] | None] = \
        dataclasses.field(default_factory=dict)


def _cpu_info(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class HostCatalog:
    """Compute nodes, services, host mappings and aggregates of every
    enabled cell, cached for a short time."""

    def __init__(self, conf: Any, cells: CellRegistry, *,
                 clock: Callable[[], float] = time.monotonic):
        self.conf = conf
        self.cells = cells
        self.ttl = float(conf.scheduler.host_state_cache_ttl)
        self.cell_timeout = float(conf.scheduler.cell_timeout)
        self.clock = clock
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None

    def snapshot(self, ctx: RequestContext) -> Snapshot:
        with self._lock:
            current = self._snapshot
            if current is not None and self.clock() - current.loaded_at < self.ttl:
                return current
        fresh = self._load(ctx)
        with self._lock:
            self._snapshot = fresh
        return fresh

    def aggregates(self, ctx: RequestContext) -> list[AggregateRecord]:
        return self.snapshot(ctx).aggregates

    def _load(self, ctx: RequestContext) -> Snapshot:
        started = self.clock()

        def api_work(conn):
            return (host_mapping_repo.list_all(conn), aggregate_repo.list_all(conn))
        mappings, aggregates = self.cells.api_db.read(api_work)
        cell_of_host = {m.host: m.cell_uuid for m in mappings}

        def cell_work(cell_ctx):
            def work(conn):
                return (node_repo.list_live(conn),
                        service_repo.list_live(conn, binary=COMPUTE_BINARY))
            return cell_ctx.cell.db.read(work)

        cells = self.cells.cells(include_cell0=False, include_disabled=False)
        results = scatter_gather.scatter_gather(ctx, cells, cell_work,
                                                timeout=self.cell_timeout,
                                                databases=self.cells.databases)
        nodes: dict[str, NodeRow] = {}
        failed: list[str] = []
        for cell in cells:
            result = results[cell.uuid]
            if scatter_gather.is_failure(result):
                LOG.warning("cell %s: no hosts from it this time (%r)", cell.label, result)
                failed.append(cell.uuid)
                continue
            node_rows, services = result
            service_of_host = {s.host: s for s in services}
            for node in node_rows:
                service = service_of_host.get(node.host)
                if service is None:
                    LOG.debug("node %s of %s has no compute service; skipped",
                              node.hypervisor_hostname, node.host)
                    continue
                mapped_to = cell_of_host.get(node.host)
                if mapped_to != cell.uuid:
                    LOG.debug("host %s of cell %s is %s; skipped", node.host, cell.label,
                              "not mapped" if mapped_to is None else
                              f"mapped to cell {mapped_to}")
                    continue
                nodes[node.uuid] = NodeRow(node=node, service=service, cell_uuid=cell.uuid)

        zone_of_host: dict[str, str] = {}
        aggregates_of_host: dict[str, list[AggregateRecord]] = {}
        for aggregate in aggregates:
            for host in aggregate.hosts:
                aggregates_of_host.setdefault(host, []).append(aggregate)
                if aggregate.availability_zone and host not in zone_of_host:
                    zone_of_host[host] = aggregate.availability_zone
        default_zone = self.conf.default_availability_zone
        down_time = int(self.conf.service_down_time)
        statics, up_windows = {}, {}
        for uuid, row in nodes.items():
            node = row.node
            statics[uuid] = dict(
                host=node.host, nodename=node.hypervisor_hostname or node.host,
                uuid=node.uuid, cell_uuid=row.cell_uuid,
                availability_zone=zone_of_host.get(node.host, default_zone),
                service_disabled=row.service.disabled,
                hypervisor_type=node.hypervisor_type,
                hypervisor_version=node.hypervisor_version,
                cpu_info=_cpu_info(node.cpu_info),
                aggregates=aggregates_of_host.get(node.host, []))
            up_windows[uuid] = liveness.up_window(row.service, down_time)
        LOG.debug("loaded %d compute nodes from %d cell(s) in %.1f ms", len(nodes),
                  len(cells) - len(failed), (self.clock() - started) * 1000)
        return Snapshot(nodes=nodes, aggregates=aggregates, zone_of_host=zone_of_host,
                        aggregates_of_host=aggregates_of_host, failed_cells=failed,
                        loaded_at=self.clock(), statics=statics, up_windows=up_windows)

    # --- joining with placement's answer ------------------------------------------------

    def host_states(self, ctx: RequestContext, candidates: AllocationCandidates,
                    spec: RequestSpec) -> list[HostState]:
        """One state per compute node that has at least one allocation
        request, in placement's order of first appearance."""
        snap = self.snapshot(ctx)
        summaries = candidates.provider_summaries
        usage = ProviderUsage(summaries)
        by_root: dict[str, list[dict]] = {}
        for request in candidates.allocation_requests:
            roots: list[str] = []
            for rp in request["allocations"]:
                summary = summaries.get(rp) or {}
                root = summary.get("root_provider_uuid") or rp
                for node_uuid in (root, rp):
                    if node_uuid in snap.nodes and node_uuid not in roots:
                        roots.append(node_uuid)
                        break
            for root in roots:
                by_root.setdefault(root, []).append(request)

        destination = spec.requested_destination
        wanted_cell = destination.cell_uuid if destination else None
        now = timeutils.utcnow()
        states = []
        unknown = 0
        for root, requests in by_root.items():
            static = snap.statics.get(root)
            if static is None:
                unknown += 1
                continue
            if wanted_cell and static["cell_uuid"] != wanted_cell:
                continue
            window = snap.up_windows[root]
            summary = summaries.get(root) or {}
            states.append(HostState(
                **static, service_up=window is not None and window[0] <= now <= window[1],
                traits=frozenset(summary.get("traits") or ()),
                allocation_requests=requests, usage=usage))
        if unknown:
            LOG.debug("%d candidate provider tree(s) are no compute node of an enabled, "
                      "answering cell; skipped", unknown)
        return states
