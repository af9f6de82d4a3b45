"""``nubes up --shared-storage``: one shared storage pool per cell.

Per cell, in placement: a provider ``<cell>-shared-disk`` with DISK_GB
inventory (the cell's fake hosts' ``local_gb`` added up) and the trait
``MISC_SHARES_VIA_AGGREGATE``, in an aggregate of its own; the cell's hosts
get ``[compute] shared_storage_aggregate`` (``<cell>-*=<aggregate>``), so
they report no DISK_GB and join the aggregate when they start.  Servers
then take their disk from the pool and moves between the cell's hosts
leave it there.  What operators do by hand is in
docs/compute/shared_storage.md; this is the same, done at start-up.

Idempotent: the provider and aggregate keep their uuids (derived from the
cell's) across starts; the inventory follows the hosts' sizes.
"""
from __future__ import annotations

import dataclasses
import uuid as uuidlib

from nubes.compute.virt.fake_host import host_size
from nubes.embedded.cell_services import host_names
from nubes.placement.client import (
    MISC_SHARES_VIA_AGGREGATE,
    Inventory,
    PlacementClient,
)

DISK_GB = "DISK_GB"
_NAMESPACE = uuidlib.UUID("6f1d4cf3-8f0e-4a53-9a55-3c0ad1f9b1a2")


@dataclasses.dataclass(frozen=True)
class Pool:
    cell: str
    provider: str       # the sharing provider's uuid
    aggregate: str
    disk_gb: int


def pool_name(cell_name: str) -> str:
    return f"{cell_name}-shared-disk"


def set_up(conf, cells: list, hosts_per_cell: int) -> list[Pool]:
    """Make every cell's pool in placement and point its hosts at it (before
    they start); the pools."""
    placement = PlacementClient.from_conf(conf)
    try:
        pools = [_pool(placement, conf, cell, hosts_per_cell) for cell in cells]
    finally:
        placement.close()
    conf.set_override("shared_storage_aggregate",
                      [f"{p.cell}-*={p.aggregate}" for p in pools], group="compute")
    return pools


def _pool(placement: PlacementClient, conf, cell, hosts_per_cell: int) -> Pool:
    name = pool_name(cell.name)
    rp = str(uuidlib.uuid5(_NAMESPACE, f"provider:{cell.uuid}"))
    aggregate = str(uuidlib.uuid5(_NAMESPACE, f"aggregate:{cell.uuid}"))
    if placement.get_provider(rp) is None:
        placement.create_provider(name, uuid=rp)
    disk = sum(host_size(conf, host)["local_gb"]
               for host in host_names(cell.name, hosts_per_cell)) or 1

    def inventory():
        current = placement.get_inventories(rp)
        wanted = dict(current.inventories)
        wanted[DISK_GB] = Inventory(total=disk, reserved=0, min_unit=1, max_unit=disk,
                                    step_size=1, allocation_ratio=1.0)
        if wanted != current.inventories:
            placement.set_inventories(rp, wanted, current.generation)

    def traits():
        current = placement.get_traits(rp)
        if MISC_SHARES_VIA_AGGREGATE not in current.traits:
            placement.set_traits(rp, current.traits | {MISC_SHARES_VIA_AGGREGATE},
                                 current.generation)

    placement.retry_on_concurrent_update(inventory)
    placement.retry_on_concurrent_update(traits)
    placement.update_aggregates(rp, add={aggregate})
    return Pool(cell.name, rp, aggregate, disk)
