"""SQL for resource providers: rows, trees, generations and list filters."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.placement import exceptions as exc
from nubes.placement.models import (MAX_INT, allocations, inventories, placement_aggregates,
                                    resource_provider_aggregates, resource_provider_traits,
                                    resource_providers as rp, traits)

_parent = rp.alias("parent")
_root = rp.alias("root")
_tree = rp.alias("tree")  # another provider of the same tree (in_tree)

_COLUMNS = (rp.c.id, rp.c.uuid, rp.c.name, rp.c.generation, rp.c.parent_provider_id,
            rp.c.root_provider_id, rp.c.created_at, rp.c.updated_at,
            _parent.c.uuid.label("parent_provider_uuid"),
            _root.c.uuid.label("root_provider_uuid"))


def _select() -> sa.Select:
    return (sa.select(*_COLUMNS)
            .select_from(rp.outerjoin(_parent, rp.c.parent_provider_id == _parent.c.id)
                         .outerjoin(_root, rp.c.root_provider_id == _root.c.id)))


def get_by_uuid(conn: sa.Connection, uuid: str) -> sa.Row | None:
    return conn.execute(_select().where(rp.c.uuid == uuid)).first()


def get_by_uuid_or_raise(conn: sa.Connection, uuid: str) -> sa.Row:
    row = get_by_uuid(conn, uuid)
    if row is None:
        raise exc.ResourceProviderNotFound(f"No resource provider with uuid {uuid} found")
    return row


def name_taken(conn: sa.Connection, name: str, *, except_id: int | None = None) -> bool:
    query = sa.select(rp.c.id).where(rp.c.name == name)
    if except_id is not None:
        query = query.where(rp.c.id != except_id)
    return conn.execute(query).first() is not None


def insert(conn: sa.Connection, *, uuid: str, name: str, parent_id: int | None,
           root_id: int | None) -> int:
    result = conn.execute(sa.insert(rp).values(
        uuid=uuid, name=name, generation=0, parent_provider_id=parent_id,
        root_provider_id=root_id, created_at=utcnow()))
    new_id = result.inserted_primary_key[0]
    if root_id is None:
        conn.execute(sa.update(rp).where(rp.c.id == new_id).values(root_provider_id=new_id))
    return new_id


def update(conn: sa.Connection, provider_id: int, **values) -> None:
    conn.execute(sa.update(rp).where(rp.c.id == provider_id)
                 .values(updated_at=utcnow(), **values))


def set_root(conn: sa.Connection, provider_ids: list[int], root_id: int) -> None:
    conn.execute(sa.update(rp).where(rp.c.id.in_(provider_ids)).values(root_provider_id=root_id))


# Built once: generation bumps run on every write.
_BUMP_GUARDED = (sa.update(rp)
                 .where(rp.c.id == sa.bindparam("b_id"),
                        rp.c.generation == sa.bindparam("b_generation"))
                 .values(generation=sa.bindparam("b_new_generation"),
                         updated_at=sa.bindparam("b_now")))
_BUMP = (sa.update(rp).where(rp.c.id == sa.bindparam("b_id"))
         .values(generation=rp.c.generation + 1, updated_at=sa.bindparam("b_now")))


def try_bump_generation(conn: sa.Connection, provider_id: int, expected: int) -> bool:
    """Increment the provider's generation if it is still ``expected``.

    The guarded UPDATE is what makes concurrent writers safe: of two
    transactions that read the same generation, the second one's UPDATE
    matches no row (it waits for the first one's row lock, then sees the
    new generation) and returns False.  A generation no INTEGER column can
    hold (a caller's, from a request) is never current: False, unasked.
    """
    if not 0 <= expected < MAX_INT:
        return False
    result = conn.execute(_BUMP_GUARDED, {"b_id": provider_id, "b_generation": expected,
                                          "b_new_generation": expected + 1,
                                          "b_now": utcnow()})
    return result.rowcount == 1


def bump_generation(conn: sa.Connection, provider_id: int, expected: int) -> int:
    """:func:`try_bump_generation`, raising ConcurrentUpdate on a lost race."""
    if not try_bump_generation(conn, provider_id, expected):
        raise exc.ConcurrentUpdate(
            "resource provider generation conflict: another process changed the "
            "provider; fetch it again and retry")
    return expected + 1


def bump_generation_unguarded(conn: sa.Connection, provider_id: int) -> None:
    """Increment without a check, for changes that can never overcommit
    (allocations freed) but must still be visible to generation holders."""
    conn.execute(_BUMP, {"b_id": provider_id, "b_now": utcnow()})


_MARK = (sa.update(rp).where(rp.c.id == sa.bindparam("b_id"))
         .values(cache_serial=rp.c.cache_serial + 1))


def mark_changed_quietly(conn: sa.Connection, provider_ids) -> None:
    """Record, without bumping the generation, that the providers' usage
    changed (allocations deleted): the candidates cache's stamp includes
    ``cache_serial``.  In id order, the lock order of every writer."""
    for provider_id in sorted(provider_ids):
        conn.execute(_MARK, {"b_id": provider_id})


def descendants(conn: sa.Connection, provider_id: int) -> list[int]:
    """Ids of every provider below ``provider_id``."""
    out: list[int] = []
    frontier = [provider_id]
    while frontier:
        frontier = list(conn.scalars(sa.select(rp.c.id).where(rp.c.parent_provider_id.in_(frontier))))
        out.extend(frontier)
    return out


def has_children(conn: sa.Connection, provider_id: int) -> bool:
    return conn.execute(sa.select(rp.c.id).where(rp.c.parent_provider_id == provider_id)
                        .limit(1)).first() is not None


def has_allocations(conn: sa.Connection, provider_id: int) -> bool:
    return conn.execute(sa.select(allocations.c.id)
                        .where(allocations.c.resource_provider_id == provider_id)
                        .limit(1)).first() is not None


def delete(conn: sa.Connection, provider_id: int) -> None:
    for table in (inventories, resource_provider_traits, resource_provider_aggregates):
        conn.execute(sa.delete(table).where(table.c.resource_provider_id == provider_id))
    # A root points at itself; InnoDB checks the self-reference row by row
    # and would refuse the DELETE, so break it first.
    conn.execute(sa.update(rp).where(rp.c.id == provider_id).values(root_provider_id=None))
    conn.execute(sa.delete(rp).where(rp.c.id == provider_id))


# -- list filters -----------------------------------------------------------

def usage_subquery(resource_class_id: int) -> sa.ScalarSelect:
    """Amount of ``resource_class_id`` allocated from the outer provider."""
    return (sa.select(sa.func.coalesce(sa.func.sum(allocations.c.used), 0))
            .where(allocations.c.resource_provider_id == rp.c.id,
                   allocations.c.resource_class_id == resource_class_id)
            .scalar_subquery())


def has_capacity(resource_class_id: int, amount: int) -> sa.ColumnElement[bool]:
    """The outer provider can take ``amount`` more of the class, within its
    min_unit, max_unit and step_size."""
    capacity = (inventories.c.total - inventories.c.reserved) * inventories.c.allocation_ratio
    return sa.exists().where(
        inventories.c.resource_provider_id == rp.c.id,
        inventories.c.resource_class_id == resource_class_id,
        inventories.c.min_unit <= amount,
        inventories.c.max_unit >= amount,
        (amount % inventories.c.step_size) == 0,
        capacity - usage_subquery(resource_class_id) >= amount,
    )


def _in_aggregates(uuids: set[str]) -> sa.ColumnElement[bool]:
    return rp.c.id.in_(
        sa.select(resource_provider_aggregates.c.resource_provider_id)
        .join(placement_aggregates,
              placement_aggregates.c.id == resource_provider_aggregates.c.aggregate_id)
        .where(placement_aggregates.c.uuid.in_(sorted(uuids))))


def _with_trait(trait_ids: list[int]) -> sa.ColumnElement[bool]:
    return sa.exists().where(resource_provider_traits.c.resource_provider_id == rp.c.id,
                             resource_provider_traits.c.trait_id.in_(trait_ids))


def trait_ids(conn: sa.Connection, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    return {r.name: r.id for r in conn.execute(
        sa.select(traits.c.id, traits.c.name).where(traits.c.name.in_(sorted(names))))}


def list_filtered(conn: sa.Connection, *, name=None, uuid=None, in_tree=None,
                  member_of=None, trait_filter=None, trait_id_map=None,
                  resources: dict[int, int] | None = None) -> list[sa.Row]:
    """Providers matching every given filter, oldest first."""
    query = _select()
    if name is not None:
        query = query.where(rp.c.name == name)
    if uuid is not None:
        query = query.where(rp.c.uuid == uuid)
    if in_tree is not None:
        query = query.where(rp.c.root_provider_id == sa.select(_tree.c.root_provider_id)
                            .where(_tree.c.uuid == in_tree).scalar_subquery())
    if member_of:
        for group in member_of.any_of:
            query = query.where(_in_aggregates(group))
        if member_of.forbidden:
            query = query.where(~_in_aggregates(member_of.forbidden))
    if trait_filter:
        ids = trait_id_map or {}
        for name_ in trait_filter.required:
            query = query.where(_with_trait([ids[name_]]))
        if trait_filter.forbidden:
            query = query.where(~_with_trait([ids[n] for n in trait_filter.forbidden]))
        for group in trait_filter.any_of:
            query = query.where(_with_trait([ids[n] for n in group]))
    for class_id, amount in (resources or {}).items():
        query = query.where(has_capacity(class_id, amount))
    return list(conn.execute(query.order_by(rp.c.id)))

