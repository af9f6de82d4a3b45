"""The aggregates a resource provider is in."""
from __future__ import annotations

import dataclasses

from sqlalchemy import exc as sa_exc

from nubes.common.db.transaction import Database
from nubes.placement import exceptions as exc
from nubes.placement.repo import aggregates as repo
from nubes.placement.repo import providers as provider_repo


@dataclasses.dataclass(frozen=True)
class ProviderAggregates:
    aggregates: list[str]
    generation: int


def for_provider(db: Database, uuid: str) -> ProviderAggregates:
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        return ProviderAggregates(list(repo.for_provider(conn, provider.id)),
                                  provider.generation)
    return db.read(work)


def set_for_provider(db: Database, uuid: str, aggregates: list[str], *,
                     generation: int | None) -> ProviderAggregates:
    """Make ``aggregates`` (created as needed, in their order) the
    provider's aggregates.

    With the caller's ``generation`` (microversion 1.19+) the change is
    refused when it is stale and bumps the generation; without one (1.1 -
    1.18) the generation is left alone, as older clients expect, but the
    provider row is still locked so that concurrent replacements serialise.
    """
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        new_generation = provider.generation
        if generation is None:
            provider_repo.update(conn, provider.id)
        else:
            new_generation = provider_repo.bump_generation(conn, provider.id, generation)
        current = repo.for_provider(conn, provider.id)
        wanted = repo.ensure(conn, [u for u in aggregates if u not in current])
        repo.dissociate(conn, provider.id,
                        [i for u, i in current.items() if u not in set(aggregates)])
        repo.associate(conn, provider.id, wanted.values())
        # As placement's answer: the aggregates in the order they were sent.
        return ProviderAggregates(list(aggregates), new_generation)

    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        # The unique indexes and INSERT ... IGNORE make this unlikely; report
        # it as the race it is rather than as a server error.
        raise exc.ConcurrentUpdate(
            "resource provider aggregate update conflict: another process changed "
            "the provider's aggregates; fetch them again and retry") from None
