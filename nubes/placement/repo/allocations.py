"""SQL for allocations: reads for the API, the capacity rows a write checks
against, and the deletes and inserts of a write."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.placement.models import (allocations, consumer_types, consumers, inventories,
                                    projects, resource_classes as rc,
                                    resource_providers as rp, users)

# -- reads -------------------------------------------------------------------

# Each row also carries its consumer's generation, owner and type, so that
# a reader sees allocations and consumer from one statement's snapshot.
_BY_CONSUMER = (
    sa.select(rp.c.uuid.label("provider_uuid"), rp.c.generation.label("provider_generation"),
              rc.c.name.label("resource_class"), allocations.c.used,
              allocations.c.created_at, allocations.c.updated_at,
              consumers.c.generation.label("consumer_generation"),
              projects.c.external_id.label("project_id"),
              users.c.external_id.label("user_id"),
              consumer_types.c.name.label("consumer_type"))
    .select_from(allocations.join(rp, rp.c.id == allocations.c.resource_provider_id)
                 .join(rc, rc.c.id == allocations.c.resource_class_id)
                 .outerjoin(consumers, consumers.c.uuid == allocations.c.consumer_id)
                 .outerjoin(projects, projects.c.id == consumers.c.project_id)
                 .outerjoin(users, users.c.id == consumers.c.user_id)
                 .outerjoin(consumer_types,
                            consumer_types.c.id == consumers.c.consumer_type_id))
    .where(allocations.c.consumer_id == sa.bindparam("consumer_uuid"))
    .order_by(allocations.c.id))

_BY_PROVIDER = (
    sa.select(allocations.c.consumer_id.label("consumer_uuid"),
              consumers.c.generation.label("consumer_generation"),
              rc.c.name.label("resource_class"), allocations.c.used,
              allocations.c.created_at, allocations.c.updated_at)
    .select_from(allocations.join(rc, rc.c.id == allocations.c.resource_class_id)
                 .outerjoin(consumers, consumers.c.uuid == allocations.c.consumer_id))
    .where(allocations.c.resource_provider_id == sa.bindparam("provider_id"))
    .order_by(allocations.c.id))

def for_consumer(conn: sa.Connection, consumer_uuid: str) -> list[sa.Row]:
    return list(conn.execute(_BY_CONSUMER, {"consumer_uuid": consumer_uuid}))


def for_provider(conn: sa.Connection, provider_id: int) -> list[sa.Row]:
    return list(conn.execute(_BY_PROVIDER, {"provider_id": provider_id}))


# -- writes ------------------------------------------------------------------

_USED = (sa.select(sa.func.sum(allocations.c.used))
         .where(allocations.c.resource_provider_id == inventories.c.resource_provider_id,
                allocations.c.resource_class_id == inventories.c.resource_class_id)
         .scalar_subquery())

_CAPACITY = (
    sa.select(rp.c.id, rp.c.uuid, rp.c.generation, inventories.c.resource_class_id,
              rc.c.name.label("resource_class"), inventories.c.total, inventories.c.reserved,
              inventories.c.min_unit, inventories.c.max_unit, inventories.c.step_size,
              inventories.c.allocation_ratio, _USED.label("used"))
    .select_from(rp.outerjoin(inventories, inventories.c.resource_provider_id == rp.c.id)
                 .outerjoin(rc, rc.c.id == inventories.c.resource_class_id)))
_CAPACITY_ONE = _CAPACITY.where(rp.c.uuid == sa.bindparam("uuid"))
_CAPACITY_MANY = _CAPACITY.where(rp.c.uuid.in_(sa.bindparam("uuids", expanding=True)))


def capacity_rows(conn: sa.Connection, provider_uuids: list[str]) -> list[sa.Row]:
    """One row per inventory of each named provider (one row with NULL
    inventory columns for a provider without inventory; none for a provider
    that does not exist), with the provider's generation and the amount
    already allocated, read in one statement so they are consistent."""
    if len(provider_uuids) == 1:
        return list(conn.execute(_CAPACITY_ONE, {"uuid": provider_uuids[0]}))
    return list(conn.execute(_CAPACITY_MANY, {"uuids": provider_uuids}))


_LOCK = (sa.select(rp.c.id).where(rp.c.id.in_(sa.bindparam("ids", expanding=True)))
         .order_by(rp.c.id).with_for_update())


def lock_providers(conn: sa.Connection, provider_ids: list[int]) -> None:
    """Row-lock the providers, in id order, until the transaction ends
    (SELECT ... FOR UPDATE; SQLite's writers are serialised already)."""
    conn.execute(_LOCK, {"ids": provider_ids}).all()


_CLASS_IDS = sa.select(rc.c.id, rc.c.name).where(rc.c.name.in_(sa.bindparam("names",
                                                                          expanding=True)))
_WHERE_CONSUMERS = allocations.c.consumer_id.in_(sa.bindparam("uuids", expanding=True))
_DELETE_RETURNING = (sa.delete(allocations).where(_WHERE_CONSUMERS)
                     .returning(allocations.c.resource_provider_id))
_DELETE = sa.delete(allocations).where(_WHERE_CONSUMERS)
_PROVIDERS_OF = (sa.select(allocations.c.resource_provider_id).where(_WHERE_CONSUMERS)
                 .distinct())
_INSERT = sa.insert(allocations)


def class_ids(conn: sa.Connection, names: list[str]) -> dict[str, int]:
    return {row.name: row.id for row in conn.execute(_CLASS_IDS, {"names": names})}


def delete_for_consumers(conn: sa.Connection, consumer_uuids: list[str]) -> set[int]:
    """Remove the consumers' allocations; the ids of the providers they were on."""
    params = {"uuids": consumer_uuids}
    if conn.dialect.delete_returning:
        return set(conn.scalars(_DELETE_RETURNING, params))
    providers = set(conn.scalars(_PROVIDERS_OF, params))
    conn.execute(_DELETE, params)
    return providers


def insert(conn: sa.Connection, rows: list[tuple[str, int, int, int]]) -> None:
    """Insert (consumer_uuid, provider_id, class_id, used) rows."""
    now = utcnow()
    conn.execute(_INSERT, [
        {"consumer_id": consumer, "resource_provider_id": provider,
         "resource_class_id": class_id, "used": used, "created_at": now}
        for consumer, provider, class_id, used in rows])
