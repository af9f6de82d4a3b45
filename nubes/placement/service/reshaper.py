"""POST /reshaper: move inventory and the allocations on it in one step.

A compute host that discovers it should model, say, its VGPUs on child
providers instead of the root must move the inventory and the instances'
allocations together: no moment may exist in which allocations sit on
inventory that has gone.  Everything happens in one transaction, in the
steps OpenStack Placement takes, each bumping the generation of every
provider it touches once (so a client holding the generations can follow
the reshape with further writes):

1. the named consumers' generations are checked and their current
   allocations released (no generation changes for a release);
2. *interim inventory*: each named provider gets the union of its current
   inventory and the requested one (requested records win), its
   generation checked against the request's and bumped;
3. the consumers' new allocations are checked against those inventories
   and written, bumping each provider they land on (and those a consumer
   written with no allocations left);
4. *final inventory*: each named provider's inventory becomes exactly the
   requested one, bumping it again; no allocation may be left on a class
   a provider no longer has (capacity below usage is accepted, as in any
   inventory write).
"""
from __future__ import annotations

import dataclasses

from nubes.common.db.transaction import Database
from nubes.placement import exceptions as exc
from nubes.placement.repo import providers as provider_repo
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
        for change in changes:
            _require_provider(conn, change.provider_uuid)
        released = allocations.release_in(conn, writes)
        for change in changes:
            inventories.write_in(conn, change.provider_uuid, change.generation,
                                 _interim_plan(change.records), check_usage=False)
        allocations.claim_in(conn, writes, released)
        for change in changes:
            inventories.write_in(conn, change.provider_uuid, None,
                                 inventories.replace_plan(change.records), check_usage=False)
            inventories.check_usage_in(conn, change.provider_uuid)

    db.write(work)


def _require_provider(conn, provider_uuid: str) -> None:
    """An unknown provider in ``inventories`` is a bad request (400,
    ``placement.resource_provider.not_found``), checked before anything."""
    try:
        provider_repo.get_by_uuid_or_raise(conn, provider_uuid)
    except exc.ResourceProviderNotFound as error:
        raise exc.ReshapeProviderNotFound(
            f"Resource provider {provider_uuid} in inventories not found: {error}") from None


def _interim_plan(records: list[inventories.Inventory]) -> inventories.Plan:
    """The requested records over the current ones, removing nothing."""
    return lambda current: (records, set())
