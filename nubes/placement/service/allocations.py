"""Allocations: read them by consumer or provider, replace the allocations
of one or several consumers at once, delete a consumer's allocations.

A write is one transaction that, in this order (the lock order, so that
concurrent writers queue rather than deadlock):

1. reads the consumers and refuses a stale consumer generation (409);
2. creates, updates or removes each consumer row (guarded by generation),
   consumers sorted by uuid;
3. deletes the consumers' old allocations, so a consumer re-allocating
   what it already holds fits;
4. reads, in one statement, every named provider's generation, inventories
   and current usage, and checks every requested amount against them;
5. bumps, sorted by id, the generation of every provider receiving
   allocations and of every provider a consumer written with no
   allocations left (as placement's zero-amount replacements do; a
   provider that only loses allocations to a consumer moving elsewhere
   keeps its generation): a guarded UPDATE (``WHERE generation = <read in
   4>``) on each provider receiving allocations, so that of two writers that read the same usage
   only one commits and the other runs again from the start
   (``RetryRequest``, retried by ``Database.write``) and sees the first
   one's allocations;
6. inserts the new allocations.

The first attempt is optimistic: it takes no lock before its guarded
UPDATEs, which is fastest when writers rarely meet.  A transaction that
lost a race runs again locking the providers it claims on (SELECT ... FOR
UPDATE, in id order) before step 4, so it queues behind the winner instead
of racing it again: many writers on one provider are served one after
another rather than exhausting their retries.  The guarded UPDATE stays
the proof either way.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime

import sqlalchemy as sa

from nubes.common.db.transaction import Database, RetryRequest
from nubes.placement import exceptions as exc
from nubes.placement.repo import allocations as repo
from nubes.placement.repo import consumers as consumer_repo
from nubes.placement.repo import providers as provider_repo
from nubes.placement.service import consumers
from nubes.placement.service.consumers import UNCHECKED, ConsumerRequest

__all__ = ["UNCHECKED", "ConsumerRequest", "ConsumerWrite", "replace", "delete",
           "for_consumer", "for_provider"]


@dataclasses.dataclass(frozen=True)
class ConsumerWrite:
    """The complete new allocations of one consumer: provider uuid ->
    {resource class: amount}.  Empty removes all of them."""
    consumer: ConsumerRequest
    allocations: dict[str, dict[str, int]]


@dataclasses.dataclass(frozen=True)
class Allocation:
    provider_uuid: str
    provider_generation: int
    resource_class: str
    used: int


@dataclasses.dataclass(frozen=True)
class ConsumerAllocations:
    allocations: list[Allocation]
    project_id: str | None = None
    user_id: str | None = None
    generation: int | None = None
    consumer_type: str | None = None
    last_modified: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class ProviderAllocations:
    provider_generation: int
    #: consumer uuid -> (consumer generation, {resource class: amount})
    consumers: dict[str, tuple[int | None, dict[str, int]]]
    last_modified: datetime.datetime | None = None


def _last_modified(rows) -> datetime.datetime | None:
    stamps = [r.updated_at or r.created_at for r in rows]
    return max(stamps) if stamps else None


def for_consumer(db: Database, consumer_uuid: str) -> ConsumerAllocations:
    rows = db.read(lambda conn: repo.for_consumer(conn, consumer_uuid))
    if not rows:
        return ConsumerAllocations(allocations=[])
    first = rows[0]
    return ConsumerAllocations(
        allocations=[Allocation(r.provider_uuid, r.provider_generation, r.resource_class,
                                r.used) for r in rows],
        project_id=first.project_id, user_id=first.user_id,
        generation=first.consumer_generation, consumer_type=first.consumer_type,
        last_modified=_last_modified(rows))


def for_provider(db: Database, provider_uuid: str) -> ProviderAllocations:
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, provider_uuid)
        rows = repo.for_provider(conn, provider.id)
        by_consumer: dict[str, tuple[int | None, dict[str, int]]] = {}
        for r in rows:
            entry = by_consumer.setdefault(r.consumer_uuid, (r.consumer_generation, {}))
            entry[1][r.resource_class] = r.used
        return ProviderAllocations(provider_generation=provider.generation,
                                   consumers=by_consumer,
                                   last_modified=_last_modified(rows))
    return db.read(work)


def replace(db: Database, writes: list[ConsumerWrite]) -> None:
    """Make each consumer's allocations exactly those given, all or nothing."""
    attempts = 0

    def work(conn: sa.Connection) -> None:
        nonlocal attempts
        attempts += 1
        claim_in(conn, writes, release_in(conn, writes), lock=attempts > 1)

    db.write(work)


@dataclasses.dataclass(frozen=True)
class Released:
    """Providers whose allocations a write's first half deleted: those of
    consumers written with no allocations (``emptied``: their generations
    are bumped, as placement's zero-amount replacements bump them) and those
    of consumers that get new allocations (``moved``: a provider that only
    loses allocations this way keeps its generation; the candidates cache
    is told)."""
    emptied: set[int]
    moved: set[int]


def release_in(conn: sa.Connection, writes: list[ConsumerWrite]) -> Released:
    """First half of a write, inside the caller's transaction (steps 1-3):
    check the consumers' generations, save the consumers and delete their
    current allocations."""
    writes = sorted(writes, key=lambda w: w.consumer.uuid)
    uuids = [w.consumer.uuid for w in writes]
    known_ids = None
    if len(writes) == 1:  # the common case: one statement for consumer and ids
        request = writes[0].consumer
        row, known_ids = consumer_repo.get_with_ids(
            conn, request.uuid, project=request.project_id, user=request.user_id,
            type_name=request.consumer_type)
        existing = {request.uuid: row} if row is not None else {}
    else:
        existing = consumer_repo.get_many(conn, uuids)
    for write in writes:
        consumers.check_generation(write.consumer, existing.get(write.consumer.uuid))
    for write in writes:
        consumers.save(conn, write.consumer, existing.get(write.consumer.uuid),
                       bool(write.allocations), known_ids)
    emptied = [w.consumer.uuid for w in writes
               if not w.allocations and w.consumer.uuid in existing]
    moved = [w.consumer.uuid for w in writes
             if w.allocations and w.consumer.uuid in existing]
    return Released(emptied=repo.delete_for_consumers(conn, emptied) if emptied else set(),
                    moved=repo.delete_for_consumers(conn, moved) if moved else set())


def claim_in(conn: sa.Connection, writes: list[ConsumerWrite], released: Released, *,
             lock: bool = False) -> None:
    """Second half (steps 4-6): check the new allocations against capacity,
    bump the generations of the providers claimed on and of those emptied
    consumers left, and insert the allocations.  ``lock`` row-locks the
    providers first (used on retries after a lost race)."""
    claimed, rows = _plan(conn, writes, lock=lock)
    _bump_providers(conn, claimed, released.emptied)
    quiet = released.moved - claimed.keys() - released.emptied
    if quiet:
        provider_repo.mark_changed_quietly(conn, quiet)
    if rows:
        repo.insert(conn, rows)


def delete(db: Database, consumer_uuid: str) -> None:
    """Remove every allocation of the consumer; ConsumerNotFound if none.
    The providers' generations stay as they are (nothing a generation
    holder relies on can be overcommitted by a free)."""
    def work(conn: sa.Connection) -> None:
        row = consumer_repo.get_many(conn, [consumer_uuid]).get(consumer_uuid)
        if row is not None:
            consumers.remove(conn, row)
        freed = repo.delete_for_consumers(conn, [consumer_uuid])
        if not freed:
            raise exc.ConsumerNotFound(f"No allocations for consumer '{consumer_uuid}'")
        # As placement's: freeing bumps no generation.  The cache is told.
        provider_repo.mark_changed_quietly(conn, freed)

    db.write(work)


def _plan(conn: sa.Connection, writes: list[ConsumerWrite], *, lock: bool = False
          ) -> tuple[dict[int, int], list[tuple[str, int, int, int]]]:
    """Check every requested amount against the providers' inventories and
    usage; return {provider id: generation read} and the rows to insert.
    ``lock``: row-lock the providers first, so what is read stays true."""
    provider_uuids = sorted({rp_uuid for w in writes for rp_uuid in w.allocations})
    if not provider_uuids:
        return {}, []
    capacity = repo.capacity_rows(conn, provider_uuids)
    if lock and capacity:
        repo.lock_providers(conn, sorted({row.id for row in capacity}))
        capacity = repo.capacity_rows(conn, provider_uuids)
    providers: dict[str, dict] = {}
    for row in capacity:
        entry = providers.setdefault(row.uuid, {"id": row.id, "generation": row.generation,
                                                "inventory": {}})
        if row.resource_class is not None:
            entry["inventory"][row.resource_class] = row
    for rp_uuid in provider_uuids:
        if rp_uuid not in providers:
            raise exc.InvalidAllocation(
                f"Allocation for resource provider '{rp_uuid}' that does not exist.")

    rows: list[tuple[str, int, int, int]] = []
    needed: dict[tuple[str, str], int] = collections.defaultdict(int)
    for write in writes:
        for rp_uuid, resources in write.allocations.items():
            provider = providers[rp_uuid]
            for rc_name, amount in resources.items():
                inv = provider["inventory"].get(rc_name)
                if inv is None:
                    _raise_not_inventoried(conn, write.consumer.uuid, rp_uuid, rc_name)
                if (amount < inv.min_unit or amount > inv.max_unit
                        or amount % inv.step_size != 0):
                    raise exc.CapacityExceeded(
                        f"Unable to allocate inventory: Unable to create allocation for "
                        f"'{rc_name}' on resource provider '{rp_uuid}'. The requested "
                        "amount would violate inventory constraints.")
                needed[(rp_uuid, rc_name)] += amount
                rows.append((write.consumer.uuid, provider["id"], inv.resource_class_id,
                             amount))
    for (rp_uuid, rc_name), amount in needed.items():
        inv = providers[rp_uuid]["inventory"][rc_name]
        capacity = (inv.total - inv.reserved) * inv.allocation_ratio
        used = int(inv.used or 0)
        if capacity < used + amount:
            raise exc.CapacityExceeded(
                f"Unable to allocate inventory: Unable to create allocation for "
                f"'{rc_name}' on resource provider '{rp_uuid}'. The requested amount "
                f"would exceed the capacity.")
    claimed = {providers[u]["id"]: providers[u]["generation"] for u in provider_uuids}
    return claimed, rows


def _raise_not_inventoried(conn, consumer_uuid: str, rp_uuid: str, rc_name: str):
    if not repo.class_ids(conn, [rc_name]):
        raise exc.InvalidAllocation(
            f"Unable to allocate inventory for consumer {consumer_uuid}: "
            f"No such resource class {rc_name}.")
    raise exc.CapacityExceeded(
        f"Unable to allocate inventory: Inventory for '{rc_name}' on resource "
        f"provider '{rp_uuid}' invalid.")


def _bump_providers(conn: sa.Connection, claimed: dict[int, int], freed: set[int]) -> None:
    """Bump every touched provider's generation, in id order.  Providers
    receiving allocations are guarded by the generation their capacity was
    read at; losing that race re-runs the whole transaction."""
    for provider_id in sorted(claimed.keys() | freed):
        if provider_id in claimed:
            if not provider_repo.try_bump_generation(conn, provider_id, claimed[provider_id]):
                raise RetryRequest(exc.ConcurrentUpdate(
                    "Inventory and/or allocations changed while attempting to allocate: "
                    "another process changed a resource provider at the same time; "
                    "retry"))
        else:
            provider_repo.bump_generation_unguarded(conn, provider_id)
