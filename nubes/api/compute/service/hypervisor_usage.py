"""Capacity and usage figures of hypervisors (shown before microversion 2.88).

Placement holds the truth: a node's provider (same uuid) has inventories
(VCPU, MEMORY_MB, DISK_GB) and usages.  As the legacy fields always did,
memory and disk "used" include the host's reserved amount, and "free" is
total minus used.  A node placement does not know (not registered yet), or
an unreachable placement, falls back to the figures in the cell database.
"""
from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor

from nubes.api.compute.service.hypervisors import Hypervisor
from nubes.api.compute.state import ComputeState
from nubes.placement import client as placement_client

LOG = logging.getLogger(__name__)
_PARALLEL = 4


@dataclasses.dataclass(frozen=True)
class Usage:
    vcpus: int
    vcpus_used: int
    memory_mb: int
    memory_mb_used: int
    local_gb: int
    local_gb_used: int
    free_ram_mb: int
    free_disk_gb: int
    running_vms: int
    current_workload: int
    disk_available_least: int


STATISTICS_FIELDS = [f.name for f in dataclasses.fields(Usage)]


def _from_node(hv: Hypervisor) -> Usage:
    n = hv.node
    free_ram = n.free_ram_mb if n.free_ram_mb is not None else n.memory_mb - n.memory_mb_used
    free_disk = n.free_disk_gb if n.free_disk_gb is not None else n.local_gb - n.local_gb_used
    return Usage(vcpus=n.vcpus, vcpus_used=n.vcpus_used, memory_mb=n.memory_mb,
                 memory_mb_used=n.memory_mb_used, local_gb=n.local_gb,
                 local_gb_used=n.local_gb_used, free_ram_mb=free_ram, free_disk_gb=free_disk,
                 running_vms=hv.running_vms, current_workload=n.current_workload or 0,
                 disk_available_least=(n.disk_available_least
                                       if n.disk_available_least is not None else free_disk))


def _from_placement(hv: Hypervisor, inventories: placement_client.Inventories,
                    usages: dict[str, int]) -> Usage:
    inv = inventories.inventories

    def total(rc):
        return inv[rc].total if rc in inv else 0

    def used(rc, with_reserved):
        amount = usages.get(rc, 0)
        return amount + (inv[rc].reserved if with_reserved and rc in inv else 0)

    memory, memory_used = total("MEMORY_MB"), used("MEMORY_MB", True)
    disk, disk_used = total("DISK_GB"), used("DISK_GB", True)
    n = hv.node
    return Usage(vcpus=total("VCPU"), vcpus_used=used("VCPU", False), memory_mb=memory,
                 memory_mb_used=memory_used, local_gb=disk, local_gb_used=disk_used,
                 free_ram_mb=memory - memory_used, free_disk_gb=disk - disk_used,
                 running_vms=hv.running_vms, current_workload=n.current_workload or 0,
                 disk_available_least=(n.disk_available_least
                                       if n.disk_available_least is not None
                                       else disk - disk_used))


def usage_of(state: ComputeState, hv: Hypervisor, request_id: str) -> Usage:
    if state.placement is None:
        return _from_node(hv)
    try:
        inventories = state.placement.get_inventories(hv.node.uuid, request_id=request_id)
        usages = state.placement.get_usages(hv.node.uuid, request_id=request_id)
    except placement_client.PlacementNotFound:
        return _from_node(hv)
    except placement_client.PlacementError as err:
        LOG.warning("hypervisor %s: usage from the cell database: %s", hv.node.uuid, err)
        return _from_node(hv)
    return _from_placement(hv, inventories, usages)


def usages_of(state: ComputeState, hypervisors: list[Hypervisor],
              request_id: str) -> dict[str, Usage]:
    """node uuid -> usage, asking placement a few nodes at a time."""
    if len(hypervisors) <= 1 or state.placement is None:
        return {hv.node.uuid: usage_of(state, hv, request_id) for hv in hypervisors}
    with ThreadPoolExecutor(max_workers=_PARALLEL, thread_name_prefix="hv-usage") as pool:
        found = pool.map(lambda hv: usage_of(state, hv, request_id), hypervisors)
        return {hv.node.uuid: usage for hv, usage in zip(hypervisors, found)}


def statistics(usages: list[Usage]) -> dict[str, int]:
    """Sums over every hypervisor, plus their count."""
    totals = {name: sum(getattr(u, name) for u in usages) for name in STATISTICS_FIELDS}
    return {"count": len(usages), **totals}
