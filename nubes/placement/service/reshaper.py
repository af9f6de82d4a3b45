"""POST /reshaper: move inventory and the allocations on it in one step.

A compute host that discovers it should model, say, its VGPUs on child
providers instead of the root must move the inventory and the instances'
allocations together: no moment may exist in which allocations sit on
inventory that has gone.  Everything happens in one transaction, in this
order:

1. the named consumers' generations are checked and their current
   allocations released (so inventory under them may change);
2. each named provider's inventory is replaced, its generation checked
   and bumped, without the usual in-use checks;
3. the consumers' new allocations are checked against the new
   inventories and written;
4. the end state is checked: no allocation of any provider named in step
   2 may sit on a class it no longer has or above a class's capacity.
"""
from __future__ import annotations

import dataclasses

from nubes.common.db.transaction import Database
from nubes.placement.service import allocations, inventories


@dataclasses.dataclass(frozen=True)
class InventoryChange:
    provider_uuid: str
    generation: int
    records: list[inventories.Inventory]


def reshape(db: Database, changes: list[InventoryChange],
            writes: list[allocations.ConsumerWrite], *, reserved_may_equal_total: bool) -> None:
    for change in changes:
        inventories.check_records(change.provider_uuid, change.records, reserved_may_equal_total)
    changes = sorted(changes, key=lambda c: c.provider_uuid)

    def work(conn) -> None:
        freed = allocations.release_in(conn, writes)
        for change in changes:
            inventories.write_in(conn, change.provider_uuid, change.generation,
                                 inventories.replace_plan(change.records), check_usage=False)
        allocations.claim_in(conn, writes, freed)
        for change in changes:
            inventories.check_usage_in(conn, change.provider_uuid)

    db.write(work)
