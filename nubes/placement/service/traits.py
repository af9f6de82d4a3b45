"""Traits: the standard ones (os-traits, read-only) and CUSTOM_* ones, and
the set of traits each resource provider has."""
from __future__ import annotations

import dataclasses
import datetime

from sqlalchemy import exc as sa_exc

from nubes.common.db.transaction import Database, RetryRequest
from nubes.placement import exceptions as exc
from nubes.placement.repo import providers as provider_repo
from nubes.placement.repo import traits as repo
from nubes.placement.service.standard_names import STANDARD_TRAITS


@dataclasses.dataclass(frozen=True)
class Trait:
    name: str
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None

    @property
    def last_modified(self) -> datetime.datetime | None:
        return self.updated_at or self.created_at


@dataclasses.dataclass(frozen=True)
class ListFilters:
    """``prefix``: names starting with it; ``names``: only these;
    ``associated``: True for traits some provider has, False for none."""
    prefix: str | None = None
    names: list[str] | None = None
    associated: bool | None = None


@dataclasses.dataclass(frozen=True)
class ProviderTraits:
    """A provider's traits and the generation that goes with them."""
    traits: list[str]
    generation: int
    last_modified: datetime.datetime | None


def _view(row) -> Trait:
    # Standard traits are fixed by the software, not created by anyone: no
    # timestamps (answers then say last-modified is now), as for classes.
    if row.name in STANDARD_TRAITS:
        return Trait(row.name, None, None)
    return Trait(row.name, row.created_at, row.updated_at)


def list_traits(db: Database, filters: ListFilters) -> list[Trait]:
    rows = db.read(lambda conn: repo.list_filtered(
        conn, prefix=filters.prefix, names=filters.names, associated=filters.associated))
    return [_view(r) for r in rows]


def get(db: Database, name: str) -> Trait:
    row = db.read(lambda conn: repo.get_by_name(conn, name))
    if row is None:
        raise exc.TraitNotFound(f"No such trait(s): {name}.")
    return _view(row)


def ensure(db: Database, name: str) -> tuple[Trait, bool]:
    """Create the custom trait ``name`` unless it exists; the trait and
    whether this call created it.  Callers validate the name."""
    def work(conn):
        row = repo.get_by_name(conn, name)
        if row is not None:
            return row, False
        repo.create(conn, name)
        return repo.get_by_name(conn, name), True
    try:
        row, created = db.write(work)
    except sa_exc.IntegrityError:
        # Another writer created it between our look-up and insert.
        return get(db, name), False
    return _view(row), created


def delete(db: Database, name: str) -> None:
    if name in STANDARD_TRAITS:
        raise exc.StandardNameReadOnly(f"Cannot delete standard trait {name}.")

    def work(conn):
        row = repo.get_by_name(conn, name)
        if row is None:
            raise exc.TraitNotFound(f"No such trait(s): {name}.")
        if repo.in_use(conn, row.id):
            raise exc.TraitInUse(f"The trait {name} is in use by a resource provider.")
        repo.delete(conn, row.id)
    try:
        db.write(work)
    except sa_exc.IntegrityError:
        # A provider was given the trait after our in-use check: the
        # foreign key refused the delete.
        raise exc.TraitInUse(f"The trait {name} is in use by a resource provider.") from None


# -- provider traits ------------------------------------------------------------

def _provider_traits(conn, provider) -> ProviderTraits:
    rows = repo.for_provider(conn, provider.id)
    stamps = [r.updated_at or r.created_at for r in rows]
    stamps.append(provider.updated_at or provider.created_at)
    return ProviderTraits(traits=[r.name for r in rows], generation=provider.generation,
                          last_modified=max(s for s in stamps if s is not None))


def for_provider(db: Database, uuid: str) -> ProviderTraits:
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        return _provider_traits(conn, provider)
    return db.read(work)


def set_for_provider(db: Database, uuid: str, names: list[str], generation: int) -> ProviderTraits:
    """Replace the provider's traits with ``names`` if the caller's
    ``generation`` is still current; bumps the generation."""
    wanted = set(names)

    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        ids = repo.ids_by_name(conn, wanted)
        missing = wanted - set(ids)
        if missing:
            raise exc.Invalid(f"No such trait(s): {', '.join(sorted(missing))}.")
        # The guarded generation bump comes before any change: it locks the
        # provider row, so a concurrent writer holding the same generation
        # waits here and then fails with ConcurrentUpdate.
        provider_repo.bump_generation(conn, provider.id, generation)
        current = {r.id for r in repo.for_provider(conn, provider.id)}
        target = set(ids.values())
        repo.dissociate(conn, provider.id, current - target)
        repo.associate(conn, provider.id, target - current)
        return _provider_traits(conn, provider_repo.get_by_uuid(conn, uuid))
    return _write_guarded(db, work)


def clear_for_provider(db: Database, uuid: str) -> None:
    """Remove every trait from the provider; bumps its generation."""
    def work(conn):
        provider = provider_repo.get_by_uuid_or_raise(conn, uuid)
        try:
            provider_repo.bump_generation(conn, provider.id, provider.generation)
        except exc.ConcurrentUpdate as error:
            # The caller named no generation, so a race it never saw is
            # ours to retry, not its to resolve.
            raise RetryRequest(error) from None
        repo.dissociate(conn, provider.id)
    _write_guarded(db, work)


def _write_guarded(db: Database, work):
    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        # A trait was deleted, or the same association written, by a
        # concurrent request: the provider changed under the caller.
        raise exc.ConcurrentUpdate(
            "resource provider trait update conflict: another process changed the "
            "provider's traits; fetch them again and retry") from None
