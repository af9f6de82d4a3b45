"""The resource tracker: a host's nodes -> compute node records and
resource providers.

Per node, each :meth:`ResourceTracker.update_available_resource`:

1. asks the driver for the node's resources;
2. creates or updates the node's compute node record through the cell
   conductor (only when a reported value changed);
3. makes placement match: the node's root provider (uuid = the node's
   uuid, name = its hypervisor hostname) is created if missing; its
   inventories, traits and aggregates are compared with a cached view of
   the provider and only what differs is PUT, each write guarded by the
   provider generation.  A ``placement.concurrent_update`` conflict (someone
   else changed the provider) drops the view, re-reads it and tries again,
   up to ``[placement_client] conflict_retries`` times.

The cached view is re-read from placement every
``[compute] resource_provider_association_refresh`` seconds, so changes
made by others (an operator's allocation ratio, the API's aggregates, a
custom trait) are seen even when this host has nothing to write.

What the host owns in placement:

* inventories: VCPU, MEMORY_MB, DISK_GB (when the driver reports standard
  inventory) plus the driver's extra classes; the PUT replaces the whole
  set.  Allocation ratio: ``[DEFAULT] cpu/ram/disk_allocation_ratio`` when
  set, otherwise the ratio placement already holds, otherwise (a class
  new to the provider) ``initial_*_allocation_ratio``.  Reserved:
  ``reserved_host_cpus``, ``reserved_host_memory_mb``,
  ``reserved_host_disk_mb`` rounded up to GB, each at most the total;
* traits: the driver's capability traits (supported ones set, known but
  unsupported ones removed), the node's own traits, ``COMPUTE_NODE``, and
  ``COMPUTE_STATUS_DISABLED`` while the service is disabled.  Traits set by
  anyone else are kept;
* aggregates: the driver's are added; the others (the API mirrors host
  aggregates into placement) are kept.

A host whose disks live in a shared storage pool (``[compute]
shared_storage_aggregate``: the placement aggregate of a provider with
DISK_GB and the trait ``MISC_SHARES_VIA_AGGREGATE``) reports no DISK_GB:
a DISK_GB inventory it reported before is removed once nothing is
allocated from it (until then it stays, and a warning says which servers
to move), and its provider joins the pool's aggregate.  The scheduler then
takes DISK_GB from the pool (docs/compute/shared_storage.md).
"""
from __future__ import annotations

import dataclasses
import fnmatch
import logging
import math
import threading
import time
import uuid as uuidlib
from typing import Any, Callable

import os_resource_classes
import os_traits

from nubes.common.context import RequestContext
from nubes.compute.virt.driver import Driver, NodeResources
from nubes.conductor.cell.messages import RecordedNode, NodeReport
from nubes.conductor.cell.rpcapi import CellConductorAPI
from nubes.placement.client import (Inventory, PlacementClient, PlacementConflict,
                                    PlacementError)

LOG = logging.getLogger(__name__)

# resource class -> (size field, ratio name, reserved amount from conf)
_STANDARD: dict[str, tuple[str, str, Callable[[Any], int]]] = {
    os_resource_classes.VCPU: ("vcpus", "cpu", lambda conf: conf.reserved_host_cpus),
    os_resource_classes.MEMORY_MB: ("memory_mb", "ram",
                                    lambda conf: conf.reserved_host_memory_mb),
    os_resource_classes.DISK_GB: ("local_gb", "disk",
                                  lambda conf: math.ceil(conf.reserved_host_disk_mb / 1024)),
}
# Traits this tracker always manages, whatever the driver.
_TRACKER_TRAITS = frozenset({os_traits.COMPUTE_NODE, os_traits.COMPUTE_STATUS_DISABLED})


def shared_storage_aggregate(conf: Any, host: str) -> str | None:
    """The pool aggregate ``[compute] shared_storage_aggregate`` names for
    ``host`` (lines ``UUID`` or ``HOST-GLOB=UUID``, the last matching one
    wins), or None."""
    found = None
    for line in conf.compute.shared_storage_aggregate:
        pattern, sep, value = line.strip().rpartition("=")
        if not sep:
            pattern = "*"
        try:
            aggregate = str(uuidlib.UUID(value.strip()))
        except ValueError:
            raise ValueError(f"[compute] shared_storage_aggregate {line!r}: not a uuid "
                             "(nor HOST-GLOB=UUID)") from None
        if fnmatch.fnmatchcase(host, pattern.strip()):
            found = aggregate
    return found


class ProviderNameConflict(PlacementError):
    """Placement has a provider with this node's name but another uuid
    (left behind by a deleted compute node of the same name?)."""


@dataclasses.dataclass
class ProviderView:
    """What this host last knew of one provider in placement."""
    uuid: str
    name: str
    generation: int
    inventories: dict[str, Inventory]
    traits: frozenset[str]
    aggregates: frozenset[str]
    read_at: float


@dataclasses.dataclass
class SyncResult:
    """What one update did: the nodes it synced and those that failed."""
    synced: list[str] = dataclasses.field(default_factory=list)
    failed: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


class ResourceTracker:
    def __init__(self, conf: Any, host: str, driver: Driver, conductor: CellConductorAPI,
                 placement: PlacementClient, *, clock: Callable[[], float] = time.monotonic):
        self.conf = conf
        self.host = host
        self.driver = driver
        self.conductor = conductor
        self.placement = placement
        self.clock = clock
        self.service_id: int | None = None
        # Read by each update; the agent sets it from the service record.
        self.disabled = False
        self.nodes: dict[str, RecordedNode] = {}   # nodename -> record
        self._views: dict[str, ProviderView] = {}       # node uuid -> view
        self._node_traits: dict[str, frozenset[str]] = {}  # node uuid -> node traits we set
        self.conflicts_retried = 0
        self._lock = threading.Lock()
        # The shared storage pool's aggregate: no DISK_GB of our own.
        self.shared_storage_aggregate = shared_storage_aggregate(conf, host)
        self._pool_checked = False
        self._disk_in_use: set[str] = set()    # node uuids warned about (DISK_GB kept)

    # --- the periodic update -------------------------------------------------------

    def update_available_resource(self, ctx: RequestContext) -> SyncResult:
        """Sync every node of the host; a node that fails does not stop the others."""
        if self.service_id is None:
            raise RuntimeError("the tracker needs the service id (register first)")
        result = SyncResult()
        with self._lock:
            self._read_pool_option()
            self._check_pool(ctx)
            names = self.driver.node_names()
            for nodename in names:
                try:
                    self._update_node(ctx, nodename)
                except Exception as exc:  # noqa: BLE001 - one node must not stop the rest
                    if isinstance(exc, PlacementError):
                        LOG.error("could not sync node %s of %s: %s", nodename, self.host, exc)
                    else:
                        LOG.exception("could not sync node %s of %s", nodename, self.host)
                    result.failed[nodename] = f"{type(exc).__name__}: {exc}"
                else:
                    result.synced.append(nodename)
            for gone in set(self.nodes) - set(names):
                record = self.nodes.pop(gone)
                self._forget(record.uuid)
                LOG.info("node %s of %s is gone from the driver", gone, self.host)
        return result

    def provider_view(self, nodename: str) -> ProviderView | None:
        """The cached view of a node's provider (for inspection)."""
        record = self.nodes.get(nodename)
        return None if record is None else self._views.get(record.uuid)

    def _update_node(self, ctx: RequestContext, nodename: str) -> None:
        resources = self.driver.node_resources(nodename)
        record = self._sync_record(ctx, nodename, resources,
                                   self._expected_ratios(nodename, resources))
        view = self._sync_provider(ctx, record, resources)
        self._sync_record(ctx, nodename, resources, _ratios_of(view))

    def _forget(self, node_uuid: str) -> None:
        self._views.pop(node_uuid, None)
        self._node_traits.pop(node_uuid, None)

    # --- compute node records (cell conductor) ----------------------------------------

    def _sync_record(self, ctx: RequestContext, nodename: str, resources: NodeResources,
                     ratios: dict[str, float | None]) -> RecordedNode:
        old = self.nodes.get(nodename)
        report = NodeReport(
            host=self.host, hypervisor_hostname=nodename, service_id=self.service_id,
            vcpus=resources.vcpus, memory_mb=resources.memory_mb,
            local_gb=resources.local_gb, hypervisor_type=resources.hypervisor_type,
            hypervisor_version=resources.hypervisor_version, cpu_info=resources.cpu_info,
            uuid=old.uuid if old is not None else resources.uuid,
            host_ip=self.conf.my_ip, cpu_allocation_ratio=ratios.get("cpu"),
            ram_allocation_ratio=ratios.get("ram"), disk_allocation_ratio=ratios.get("disk"))
        if old is not None and old.matches(report):
            return old
        record = self.conductor.compute_node_sync(ctx, report)
        if old is not None and old.uuid != record.uuid:
            LOG.warning("node %s of %s has a new uuid %s (was %s)", nodename, self.host,
                        record.uuid, old.uuid)
            self._forget(old.uuid)
        self.nodes[nodename] = record
        return record

    def _expected_ratios(self, nodename: str,
                         resources: NodeResources) -> dict[str, float | None]:
        """The ratios the node will have once placement is synced, as far as
        we can tell before talking to placement (so a new node needs one
        record write, not two)."""
        if not resources.standard_inventory:
            return {}
        record = self.nodes.get(nodename)
        view = self._views.get(record.uuid) if record is not None else None
        existing = view.inventories if view is not None else {}
        return {name: self._ratio(rc, name, existing)
                for rc, (_, name, _) in _STANDARD.items()}

    # --- placement -------------------------------------------------------------------

    def _sync_provider(self, ctx: RequestContext, record: RecordedNode,
                       resources: NodeResources) -> ProviderView:
        retries = self.placement.conflict_retries
        attempt = 0
        while True:
            view = self._view(ctx, record, force=attempt > 0)
            try:
                return self._flush(ctx, view, resources)
            except PlacementConflict as exc:
                self._views.pop(record.uuid, None)
                if not exc.concurrent_update or attempt >= retries:
                    raise
                attempt += 1
                self.conflicts_retried += 1
                LOG.info("provider %s of %s changed underneath us; re-reading it "
                         "(retry %d of %d)", record.uuid, self.host, attempt, retries)
            except PlacementError:
                self._views.pop(record.uuid, None)  # unsure what stuck: re-read next time
                raise

    def _view(self, ctx: RequestContext, record: RecordedNode, *,
              force: bool) -> ProviderView:
        view = self._views.get(record.uuid)
        refresh = self.conf.compute.resource_provider_association_refresh
        if (view is not None and not force
                and (refresh <= 0 or self.clock() - view.read_at < refresh)):
            return view
        provider = self.placement.get_provider(record.uuid, request_id=ctx.request_id)
        if provider is None:
            provider = self._create_provider(ctx, record)
            view = ProviderView(provider.uuid, provider.name, provider.generation, {},
                                frozenset(), frozenset(), self.clock())
        else:
            view = self._read_provider(ctx, record.uuid, provider.name)
        self._views[record.uuid] = view
        return view

    def _create_provider(self, ctx: RequestContext, record: RecordedNode):
        try:
            provider = self.placement.create_provider(
                record.hypervisor_hostname, uuid=record.uuid, request_id=ctx.request_id)
        except PlacementConflict as exc:
            provider = self.placement.get_provider(record.uuid, request_id=ctx.request_id)
            if provider is None:  # the name belongs to another provider
                raise ProviderNameConflict(
                    f"cannot create the provider of node {record.hypervisor_hostname} "
                    f"({record.uuid}): {exc}", status=exc.status, code=exc.code,
                    detail=exc.detail) from exc
            return provider
        LOG.info("created resource provider %s (%s) for host %s", provider.name,
                 provider.uuid, self.host)
        return provider

    def _read_provider(self, ctx: RequestContext, uuid: str, name: str) -> ProviderView:
        """Inventories, traits and aggregates, read at one generation if we can
        (otherwise at the first one read: a stale part then fails its PUT with
        a conflict and gets re-read)."""
        rid = ctx.request_id
        for _ in range(3):
            inventories = self.placement.get_inventories(uuid, request_id=rid)
            traits = self.placement.get_traits(uuid, request_id=rid)
            aggregates = self.placement.get_aggregates(uuid, request_id=rid)
            if inventories.generation == traits.generation == aggregates.generation:
                break
        return ProviderView(uuid, name, inventories.generation,
                            dict(inventories.inventories), traits.traits,
                            aggregates.aggregates, self.clock())

    def _flush(self, ctx: RequestContext, view: ProviderView,
               resources: NodeResources) -> ProviderView:
        rid = ctx.request_id
        inventories = self._desired_inventories(resources, view.inventories)
        if self.shared_storage_aggregate:
            self._keep_disk_in_use(ctx, view, inventories)
        if inventories != view.inventories:
            for rc in inventories.keys() - view.inventories.keys():
                if os_resource_classes.is_custom(rc):
                    self.placement.ensure_resource_class(rc, request_id=rid)
            written = self.placement.set_inventories(view.uuid, inventories, view.generation,
                                                     request_id=rid)
            view.generation, view.inventories = written.generation, dict(written.inventories)
            LOG.info("set inventories of %s: %s", view.name, _describe(view.inventories))
        traits = self._desired_traits(view, resources)
        if traits != view.traits:
            for trait in traits - view.traits:
                if os_traits.is_custom(trait):
                    self.placement.ensure_trait(trait, request_id=rid)
            written = self.placement.set_traits(view.uuid, traits, view.generation,
                                                request_id=rid)
            LOG.info("set traits of %s: +%s -%s", view.name, sorted(traits - view.traits),
                     sorted(view.traits - traits))
            view.generation, view.traits = written.generation, written.traits
        self._node_traits[view.uuid] = resources.traits
        aggregates = view.aggregates | resources.aggregates
        if self.shared_storage_aggregate:
            aggregates |= {self.shared_storage_aggregate}
        if aggregates != view.aggregates:
            written = self.placement.set_aggregates(view.uuid, aggregates, view.generation,
                                                    request_id=rid)
            view.generation, view.aggregates = written.generation, written.aggregates
        return view

    # --- a shared storage pool ---------------------------------------------------------

    def _read_pool_option(self) -> None:
        """``[compute] shared_storage_aggregate`` again (an operator may
        change it while the host runs: a reloaded option, a test)."""
        try:
            aggregate = shared_storage_aggregate(self.conf, self.host)
        except ValueError as exc:
            LOG.error("%s; %s keeps %s", exc, self.host, self.shared_storage_aggregate)
            return
        if aggregate != self.shared_storage_aggregate:
            LOG.info("%s: the shared storage pool's aggregate is now %s (was %s)",
                     self.host, aggregate, self.shared_storage_aggregate)
            self.shared_storage_aggregate, self._pool_checked = aggregate, False

    def _check_pool(self, ctx: RequestContext) -> None:
        """Once: say so when the pool's aggregate has no sharing provider
        of DISK_GB (servers would find no disk for this host)."""
        if not self.shared_storage_aggregate or self._pool_checked:
            return
        try:
            sharing = [p for p in self.placement.sharing_providers(
                aggregate=self.shared_storage_aggregate, request_id=ctx.request_id)
                if os_resource_classes.DISK_GB in self.placement.get_inventories(
                    p.uuid, request_id=ctx.request_id).inventories]
        except PlacementError as exc:
            LOG.warning("could not look up the shared storage pool of %s: %s", self.host, exc)
            return
        self._pool_checked = True
        if not sharing:
            LOG.warning("[compute] shared_storage_aggregate of %s is %s, but no provider in "
                        "that aggregate has DISK_GB and the trait "
                        "MISC_SHARES_VIA_AGGREGATE: servers will find no disk on this "
                        "host until one does", self.host, self.shared_storage_aggregate)
        else:
            LOG.info("%s takes its disks from the shared storage pool %s (aggregate %s)",
                     self.host, ", ".join(p.name for p in sharing),
                     self.shared_storage_aggregate)

    def _keep_disk_in_use(self, ctx: RequestContext, view: ProviderView,
                          inventories: dict[str, Inventory]) -> None:
        """A DISK_GB inventory the host had before it joined the pool goes
        only when nothing is allocated from it; until then it stays as it is."""
        disk = os_resource_classes.DISK_GB
        if disk not in view.inventories:
            return
        used = self.placement.get_usages(view.uuid, request_id=ctx.request_id).get(disk, 0)
        if not used:
            self._disk_in_use.discard(view.uuid)
            LOG.info("removing the local DISK_GB inventory of %s: its disks are in the "
                     "shared storage pool (aggregate %s)", view.name,
                     self.shared_storage_aggregate)
            return
        inventories[disk] = view.inventories[disk]
        log = LOG.debug if view.uuid in self._disk_in_use else LOG.warning
        self._disk_in_use.add(view.uuid)
        log("%s joins the shared storage pool (aggregate %s) but %d GB of its local "
            "DISK_GB are allocated: its DISK_GB inventory stays until those servers are "
            "gone. Move them (openstack server migrate, or resize) or delete them; "
            "`openstack resource provider usage show %s` shows what is left, and the "
            "inventory goes at the next sync after it reaches 0", view.name,
            self.shared_storage_aggregate, used, view.uuid)

    # --- what placement should hold ----------------------------------------------------

    def _ratio(self, rc: str, name: str, existing: dict[str, Inventory]) -> float:
        configured = getattr(self.conf, f"{name}_allocation_ratio")
        if configured is not None:
            return configured
        if rc in existing:
            return existing[rc].allocation_ratio
        return getattr(self.conf, f"initial_{name}_allocation_ratio")

    def _desired_inventories(self, resources: NodeResources,
                             existing: dict[str, Inventory]) -> dict[str, Inventory]:
        wanted: dict[str, Inventory] = {}
        if resources.standard_inventory:
            for rc, (field, name, reserved) in _STANDARD.items():
                total = getattr(resources, field)
                if total <= 0:
                    continue
                if rc == os_resource_classes.DISK_GB and self.shared_storage_aggregate:
                    continue        # the pool's (see _keep_disk_in_use)
                wanted[rc] = Inventory(total=total, reserved=min(reserved(self.conf), total),
                                       min_unit=1, max_unit=total, step_size=1,
                                       allocation_ratio=self._ratio(rc, name, existing))
        wanted.update(resources.extra_inventory)
        return wanted

    def _desired_traits(self, view: ProviderView, resources: NodeResources) -> frozenset[str]:
        capabilities = self.driver.capabilities()
        managed = (_TRACKER_TRAITS | frozenset(capabilities)
                   | self._node_traits.get(view.uuid, frozenset()))
        wanted = {name for name, supported in capabilities.items() if supported}
        wanted |= resources.traits | {os_traits.COMPUTE_NODE}
        if self.disabled:
            wanted.add(os_traits.COMPUTE_STATUS_DISABLED)
        return frozenset((view.traits - managed) | wanted)


def _ratios_of(view: ProviderView) -> dict[str, float | None]:
    return {name: (view.inventories[rc].allocation_ratio if rc in view.inventories else None)
            for rc, (_, name, _) in _STANDARD.items()}


def _describe(inventories: dict[str, Inventory]) -> str:
    return ", ".join(f"{rc}={inv.total} (reserved {inv.reserved}, ratio "
                     f"{inv.allocation_ratio:g})" for rc, inv in sorted(inventories.items()))
