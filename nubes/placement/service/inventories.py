"""Inventories of a resource provider: list, show, replace, create,
update and delete.

Every write is one transaction that bumps the provider generation with a
guarded UPDATE before checking usage and changing rows: concurrent writers
(of inventories or allocations) serialise on the provider row, and of two
holding the same generation exactly one wins.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
from typing import Callable

from sqlalchemy import exc as sa_exc

from nubes.common.db.transaction import Database, RetryRequest
from nubes.placement import exceptions as exc
from nubes.placement.repo import inventories as repo
from nubes.placement.repo import providers as provider_repo
from nubes.placement.repo import resource_classes as rc_repo
from nubes.placement.repo import usages as usage_repo
from nubes.placement.models import MAX_INT

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Inventory:
    resource_class: str
    total: int
    reserved: int = 0
    min_unit: int = 1
    max_unit: int = MAX_INT
    step_size: int = 1
    allocation_ratio: float = 1.0
    last_modified: datetime.datetime | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def from_record(cls, resource_class: str, record: dict) -> "Inventory":
        """From a validated request record; absent fields take defaults."""
        values = {f: record[f] for f in repo.FIELDS if f in record}
        return cls(resource_class, **{f: (float(v) if f == "allocation_ratio" else int(v))
                                      for f, v in values.items()})

    @classmethod
    def from_row(cls, row) -> "Inventory":
        return cls(row.resource_class, **{f: getattr(row, f) for f in repo.FIELDS},
                   last_modified=row.updated_at or row.created_at)

    def fields(self) -> dict:
        return {f: getattr(self, f) for f in repo.FIELDS}

    @property
    def capacity(self) -> float:
        return (self.total - self.reserved) * self.allocation_ratio


@dataclasses.dataclass(frozen=True)
class ProviderInventories:
    generation: int
    inventories: dict[str, Inventory]

    @property
    def last_modified(self) -> datetime.datetime | None:
        stamps = [i.last_modified for i in self.inventories.values() if i.last_modified]
        return max(stamps) if stamps else None


# A plan turns the provider's current inventory into (records to write,
# classes to remove), raising when the request does not fit the state.
Plan = Callable[[dict[str, Inventory]], tuple[list[Inventory], set[str]]]


def list_for_provider(db: Database, uuid: str) -> ProviderInventories:
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        return _state(conn, provider.id, provider.generation)
    return db.read(work)


def get(db: Database, uuid: str, resource_class: str) -> ProviderInventories:
    """The provider's generation and its one inventory of ``resource_class``."""
    state = list_for_provider(db, uuid)
    if resource_class not in state.inventories:
        raise exc.InventoryNotFound(f"No inventory of class {resource_class} for {uuid}")
    return ProviderInventories(state.generation,
                               {resource_class: state.inventories[resource_class]})


def replace_all(db: Database, uuid: str, generation: int, records: list[Inventory], *,
                reserved_may_equal_total: bool) -> ProviderInventories:
    """Make ``records`` the provider's whole inventory."""
    check_records(uuid, records, reserved_may_equal_total)
    return _write(db, uuid, generation, replace_plan(records))


def create(db: Database, uuid: str, record: Inventory, *,
           reserved_may_equal_total: bool) -> ProviderInventories:
    """Add one inventory record.  No caller generation: like placement, the
    POST is checked against the state it finds, not a generation it was sent."""
    check_records(uuid, [record], reserved_may_equal_total)

    def plan(current):
        if record.resource_class in current:
            raise exc.InventoryExists(
                f"Update conflict: Inventory for '{record.resource_class}' on resource "
                f"provider '{uuid}' already exists.")
        return [record], set()
    return _write(db, uuid, None, plan)


def update(db: Database, uuid: str, generation: int, record: Inventory, *,
           reserved_may_equal_total: bool) -> ProviderInventories:
    check_records(uuid, [record], reserved_may_equal_total)

    def plan(current):
        if record.resource_class not in current:
            raise exc.InvalidInventory(
                "No inventory record with resource class for resource provider "
                f"{uuid}: No inventory of class {record.resource_class} found.")
        return [record], set()
    return _write(db, uuid, generation, plan)


def delete(db: Database, uuid: str, resource_class: str) -> None:
    def plan(current):
        if resource_class not in current:
            raise exc.InventoryNotFound(
                f"No inventory of class {resource_class} found for delete")
        return [], {resource_class}
    _write(db, uuid, None, plan)


def delete_all(db: Database, uuid: str) -> None:
    _write(db, uuid, None, lambda current: ([], set(current)))


# -- internals ------------------------------------------------------------------

def check_records(uuid: str, records: list[Inventory], reserved_may_equal_total: bool) -> None:
    for r in records:
        if r.reserved > r.total or (r.reserved == r.total and not reserved_may_equal_total):
            limit = "greater than" if reserved_may_equal_total else "greater than or equal to"
            raise exc.InvalidInventory(
                f"Unable to update inventory for resource provider {uuid}: Invalid "
                f"inventory for '{r.resource_class}' on resource provider '{uuid}'. "
                f"The reserved value is {limit} total.")
        if r.min_unit > r.max_unit:
            raise exc.InvalidInventory(
                f"Unable to update inventory for resource provider {uuid}: Invalid "
                f"inventory for '{r.resource_class}' on resource provider '{uuid}'. "
                "The min_unit value is greater than max_unit.")


def _state(conn, provider_id: int, generation: int) -> ProviderInventories:
    return ProviderInventories(generation, {row.resource_class: Inventory.from_row(row)
                                            for row in repo.for_provider(conn, provider_id)})


def _write(db: Database, uuid: str, generation: int | None,
           plan: Plan) -> ProviderInventories:
    """Apply ``plan`` to the provider in one transaction.

    ``generation`` is the caller's; None when the request carries none (the
    DELETEs), and then a race with another writer is retried rather than
    reported."""
    def work(conn):
        return write_in(conn, uuid, generation, plan)

    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        # A concurrent request created the same inventory or deleted its class.
        raise exc.ConcurrentUpdate(
            "resource provider inventory update conflict: another process changed "
            "the provider; fetch it again and retry") from None


def write_in(conn, uuid: str, generation: int | None, plan: Plan, *,
             check_usage: bool = True) -> ProviderInventories:
    """Apply ``plan`` to the provider inside the caller's transaction.

    ``check_usage=False`` defers the in-use and capacity checks to the
    caller (the reshaper moves allocations in the same transaction and
    checks the end state with :func:`check_usage_in`)."""
    provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
    if generation is not None and generation != provider.generation:
        raise exc.ConcurrentUpdate(
            "resource provider generation conflict: the provider has changed "
            "since you fetched it; fetch it again and retry")
    rows = {row.resource_class: row for row in repo.for_provider(conn, provider.id)}
    upserts, removals = plan({name: Inventory.from_row(r) for name, r in rows.items()})
    class_ids = _class_ids(conn, uuid, upserts)
    try:
        new_generation = provider_repo.bump_generation(conn, provider.id, provider.generation)
    except exc.ConcurrentUpdate as error:
        if generation is None:
            raise RetryRequest(error) from None
        raise
    if check_usage:
        _check_usage(conn, uuid, provider.id, {class_ids[r.resource_class]: r for r in upserts},
                     {rows[n].resource_class_id: n for n in removals})
    repo.delete(conn, provider.id, [rows[n].resource_class_id for n in removals])
    for record in upserts:
        if record.resource_class in rows:
            repo.update(conn, rows[record.resource_class].id, record.fields())
        else:
            repo.insert(conn, provider.id, class_ids[record.resource_class], record.fields())
    return _state(conn, provider.id, new_generation)


def replace_plan(records: list[Inventory]) -> Plan:
    """The plan of a PUT of the whole inventory: these records, nothing else."""
    wanted = {r.resource_class for r in records}
    return lambda current: (records, set(current) - wanted)


def check_usage_in(conn, uuid: str) -> None:
    """Refuse the provider's current state if an allocation sits on a class
    it no longer has (capacity below usage only warns)."""
    provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
    records = {row.resource_class_id: Inventory.from_row(row)
               for row in repo.for_provider(conn, provider.id)}
    used = usage_repo.used_by_class(conn, provider.id)
    orphaned = [class_id for class_id, amount in used.items()
                if amount and class_id not in records]
    if orphaned:
        names = rc_repo.names_by_id(conn, orphaned)
        raise exc.InventoryInUse(
            f"Inventory for '{', '.join(sorted(names.values()))}' on resource provider "
            f"'{uuid}' in use.")
    _check_usage(conn, uuid, provider.id, records, {})


def _class_ids(conn, uuid: str, records: list[Inventory]) -> dict[str, int]:
    names = {r.resource_class for r in records}
    ids = rc_repo.ids_by_name(conn, names)
    unknown = sorted(names - ids.keys())
    if unknown:
        raise exc.InvalidInventory(
            f"Unknown resource class in inventory for resource provider {uuid}: "
            f"{', '.join(unknown)}")
    return ids


def _check_usage(conn, uuid: str, provider_id: int, upserts: dict[int, Inventory],
                 removals: dict[int, str]) -> None:
    """Refuse to remove inventory that has allocations.  Capacity below
    what is allocated is accepted with a warning, as OpenStack Placement
    accepts it (an operator taking a host's resources out of use must be
    able to).  Runs after the generation bump, so it sees every allocation
    committed before this write."""
    used = usage_repo.used_by_class(conn, provider_id)
    in_use = sorted(name for class_id, name in removals.items() if used.get(class_id))
    if in_use:
        raise exc.InventoryInUse(
            f"Inventory for '{', '.join(in_use)}' on resource provider '{uuid}' in use.")
    for class_id, record in sorted(upserts.items(), key=lambda item: item[1].resource_class):
        amount = used.get(class_id, 0)
        if amount > record.capacity:
            LOG.warning("Resource provider %s is now over capacity for %s: capacity %g, "
                        "usage %d", uuid, record.resource_class, record.capacity, amount)
