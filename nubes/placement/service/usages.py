"""Usage: what is allocated, per provider and per project (and user, and
consumer type)."""
from __future__ import annotations

import dataclasses

from nubes.common.db.transaction import Database
from nubes.placement.repo import providers as provider_repo
from nubes.placement.repo import usages as repo

ALL_TYPES = "all"
UNKNOWN_TYPE = repo.UNKNOWN_TYPE


@dataclasses.dataclass(frozen=True)
class ProviderUsages:
    generation: int
    usages: dict[str, int]


def for_provider(db: Database, uuid: str) -> ProviderUsages:
    """Usage of every class the provider has inventory of (0 when unused)."""
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        return ProviderUsages(provider.generation, repo.for_provider(conn, provider.id))
    return db.read(work)


def for_project(db: Database, project_id: str, user_id: str | None = None) -> dict[str, int]:
    """Class -> amount allocated to the project's (and user's) consumers."""
    scope = repo.ProjectScope(project_id, user_id)
    rows = db.read(lambda conn: repo.for_project(conn, scope, by_type=False))
    return {name: used for _type, name, used in rows}


def for_project_by_type(db: Database, project_id: str, user_id: str | None = None,
                        consumer_type: str | None = None) -> dict[str, dict[str, int]]:
    """Consumer type -> {class: amount, ..., "consumer_count": n} (1.38).

    ``consumer_type`` None groups by type (consumers without one under
    ``unknown``); ``all`` sums every consumer under ``all``; ``unknown`` or
    a type name keeps only those consumers."""
    by_type = consumer_type != ALL_TYPES
    scope = repo.ProjectScope(project_id, user_id,
                              None if consumer_type == ALL_TYPES else consumer_type)

    def work(conn):
        return (repo.for_project(conn, scope, by_type=by_type),
                repo.consumer_counts(conn, scope, by_type=by_type))
    rows, counts = db.read(work)

    def key(type_name):
        return (type_name or UNKNOWN_TYPE) if by_type else ALL_TYPES

    out: dict[str, dict[str, int]] = {}
    for type_name, count in counts.items():
        out[key(type_name)] = {"consumer_count": count}
    for type_name, name, used in rows:
        out.setdefault(key(type_name), {"consumer_count": 0})[name] = used
    return out
