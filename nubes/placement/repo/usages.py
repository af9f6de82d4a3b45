"""SQL for usage: sums of allocations per provider, class, project, user
and consumer type."""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from nubes.placement.models import (allocations as alloc, consumer_types, consumers,
                                    inventories as inv, projects, resource_classes as rc,
                                    users)

UNKNOWN_TYPE = "unknown"


def _sum(column) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(column), 0)


def used_by_class(conn: sa.Connection, provider_id: int) -> dict[int, int]:
    """Amount allocated from the provider, per class id (classes without
    allocations are absent)."""
    query = (sa.select(alloc.c.resource_class_id, _sum(alloc.c.used).label("used"))
             .where(alloc.c.resource_provider_id == provider_id)
             .group_by(alloc.c.resource_class_id))
    # MySQL answers SUM() as Decimal.
    return {row.resource_class_id: int(row.used) for row in conn.execute(query)}


def for_provider(conn: sa.Connection, provider_id: int) -> dict[str, int]:
    """Usage of every class the provider has inventory of (0 when unused)."""
    query = (sa.select(rc.c.name, _sum(alloc.c.used).label("used"))
             .select_from(inv.join(rc, rc.c.id == inv.c.resource_class_id)
                          .outerjoin(alloc, sa.and_(
                              alloc.c.resource_provider_id == inv.c.resource_provider_id,
                              alloc.c.resource_class_id == inv.c.resource_class_id)))
             .where(inv.c.resource_provider_id == provider_id)
             .group_by(rc.c.name))
    return {row.name: int(row.used) for row in conn.execute(query)}


@dataclasses.dataclass(frozen=True)
class ProjectScope:
    """Whose usage: a project's consumers, optionally only one user's, and
    optionally only one consumer type (``unknown``: consumers without one)."""
    project_id: str
    user_id: str | None = None
    consumer_type: str | None = None


def _scoped(query: sa.Select, scope: ProjectScope) -> sa.Select:
    """Restrict ``query`` (over allocations) to the consumers in ``scope``."""
    joined = (alloc.join(consumers, consumers.c.uuid == alloc.c.consumer_id)
              .join(projects, projects.c.id == consumers.c.project_id)
              .outerjoin(consumer_types, consumer_types.c.id == consumers.c.consumer_type_id))
    query = query.select_from(joined).where(projects.c.external_id == scope.project_id)
    if scope.user_id is not None:
        query = query.where(consumers.c.user_id == sa.select(users.c.id)
                            .where(users.c.external_id == scope.user_id).scalar_subquery())
    if scope.consumer_type == UNKNOWN_TYPE:
        query = query.where(consumers.c.consumer_type_id.is_(None))
    elif scope.consumer_type is not None:
        query = query.where(consumer_types.c.name == scope.consumer_type)
    return query


def for_project(conn: sa.Connection, scope: ProjectScope, *,
                by_type: bool) -> list[tuple[str | None, str, int]]:
    """(consumer type, class, used) for the consumers in ``scope``.  The
    type is None for consumers without one, and for all rows unless
    ``by_type``."""
    type_col = consumer_types.c.name if by_type else sa.null()
    query = _scoped(sa.select(type_col.label("type"), rc.c.name,
                              _sum(alloc.c.used).label("used"))
                    .join_from(alloc, rc, rc.c.id == alloc.c.resource_class_id), scope)
    groups = (consumer_types.c.name, rc.c.name) if by_type else (rc.c.name,)
    return [(r.type, r.name, int(r.used)) for r in conn.execute(query.group_by(*groups))]


def consumer_counts(conn: sa.Connection, scope: ProjectScope, *,
                    by_type: bool) -> dict[str | None, int]:
    """How many consumers in ``scope`` have allocations, per consumer type
    (keys as in :func:`for_project`)."""
    type_col = consumer_types.c.name if by_type else sa.null()
    query = _scoped(sa.select(type_col.label("type"),
                              sa.func.count(sa.distinct(consumers.c.id)).label("n")), scope)
    if by_type:
        query = query.group_by(consumer_types.c.name)
    return {r.type: int(r.n) for r in conn.execute(query) if r.n}
