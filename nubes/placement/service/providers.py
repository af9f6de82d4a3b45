"""Resource providers: create, read, list with filters, update (including
re-parenting rules by microversion) and delete."""
from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib

from sqlalchemy import exc as sa_exc

from nubes.common.db.transaction import Database, RetryRequest
from nubes.placement import exceptions as exc
from nubes.placement.queryparams import AggregateFilter, TraitFilter
from nubes.placement.repo import providers as repo
from nubes.placement.repo import resource_classes as rc_repo
from nubes.placement.models import MAX_INT


@dataclasses.dataclass(frozen=True)
class Provider:
    id: int
    uuid: str
    name: str
    generation: int
    parent_provider_uuid: str | None
    root_provider_uuid: str
    created_at: datetime.datetime
    updated_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row) -> "Provider":
        return cls(id=row.id, uuid=row.uuid, name=row.name, generation=row.generation,
                   parent_provider_uuid=row.parent_provider_uuid,
                   root_provider_uuid=row.root_provider_uuid,
                   created_at=row.created_at, updated_at=row.updated_at)

    @property
    def last_modified(self) -> datetime.datetime:
        return self.updated_at or self.created_at


@dataclasses.dataclass
class ListFilters:
    name: str | None = None
    uuid: str | None = None
    in_tree: str | None = None
    member_of: AggregateFilter | None = None
    required: TraitFilter | None = None
    resources: dict[str, int] | None = None


def create(db: Database, name: str, *, uuid: str | None = None,
           parent_uuid: str | None = None) -> Provider:
    uuid = uuid or str(uuidlib.uuid4())
    if parent_uuid is not None and parent_uuid == uuid:
        raise exc.Invalid("parent provider UUID cannot be same as UUID. "
                          "Please choose a different UUID for the parent provider.")

    def work(conn):
        if repo.get_by_uuid(conn, uuid) is not None:
            raise exc.Duplicate(f"Conflicting resource provider uuid: {uuid} already exists.")
        if repo.name_taken(conn, name):
            raise exc.Duplicate(f"Conflicting resource provider name: {name} already exists.")
        parent_id = root_id = None
        if parent_uuid is not None:
            parent = repo.get_by_uuid(conn, parent_uuid)
            if parent is None:
                raise exc.Invalid(f"The parent resource provider {parent_uuid} does not exist.")
            parent_id, root_id = parent.id, parent.root_provider_id
        repo.insert(conn, uuid=uuid, name=name, parent_id=parent_id, root_id=root_id)
        return Provider.from_row(repo.get_by_uuid(conn, uuid))

    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        # Lost a race with a concurrent create of the same name or uuid.
        raise exc.Duplicate(f"Conflicting resource provider name: {name} "
                            "or uuid already exists.") from None


def get(db: Database, uuid: str) -> Provider:
    return Provider.from_row(db.read(lambda conn: repo.get_by_uuid_or_raise(conn, uuid)))


def list_providers(db: Database, filters: ListFilters) -> list[Provider]:
    def work(conn):
        trait_ids = {}
        if filters.required:
            wanted = filters.required.names()
            trait_ids = repo.trait_ids(conn, wanted)
            missing = wanted - trait_ids.keys()
            if missing:
                raise exc.Invalid(f"No such trait(s): {', '.join(sorted(missing))}.")
        class_amounts = None
        if filters.resources:
            class_ids = rc_repo.ids_by_name(conn, filters.resources)
            missing = set(filters.resources) - class_ids.keys()
            if missing:
                raise exc.InvalidQuery(
                    "Invalid resource class in resources parameter: "
                    f"No such resource class {sorted(missing)[0]}.")
            class_amounts = {class_ids[n]: amount for n, amount in filters.resources.items()}
            if max(class_amounts.values()) > MAX_INT:
                return []   # more than any inventory's max_unit: nothing can give it
        return repo.list_filtered(conn, name=filters.name, uuid=filters.uuid,
                                  in_tree=filters.in_tree, member_of=filters.member_of,
                                  trait_filter=filters.required, trait_id_map=trait_ids,
                                  resources=class_amounts)
    return [Provider.from_row(r) for r in db.read(work)]


_UNSET = object()


def update(db: Database, uuid: str, *, name: str, parent_uuid=_UNSET,
           allow_reparent: bool = False) -> Provider:
    """Rename and (optionally) move a provider.

    ``parent_uuid`` left unset keeps the parent.  Before microversion 1.37
    (``allow_reparent`` False) a provider without a parent may gain one,
    but a parent can be neither changed nor removed.
    """
    def work(conn):
        row = repo.get_by_uuid_or_raise(conn, uuid)
        if repo.name_taken(conn, name, except_id=row.id):
            raise exc.Duplicate(f"Conflicting resource provider name: {name} already exists.")
        values: dict = {"name": name}
        if parent_uuid is not _UNSET and parent_uuid != row.parent_provider_uuid:
            _move(conn, row, parent_uuid, allow_reparent, values)
        repo.update(conn, row.id, **values)
        return Provider.from_row(repo.get_by_uuid(conn, uuid))

    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        raise exc.Duplicate(f"Conflicting resource provider name: {name} already exists.") from None


def _move(conn, row, parent_uuid: str | None, allow_reparent: bool, values: dict) -> None:
    if row.parent_provider_uuid is not None and not allow_reparent:
        if parent_uuid is None:
            raise exc.Invalid("un-parenting a provider is not currently allowed.")
        raise exc.Invalid("re-parenting a provider is not currently allowed.")
    subtree = [row.id, *repo.descendants(conn, row.id)]
    if parent_uuid is None:
        values["parent_provider_id"] = None
        repo.set_root(conn, subtree, row.id)
        return
    parent = repo.get_by_uuid(conn, parent_uuid)
    if parent is None:
        raise exc.Invalid(f"The parent resource provider {parent_uuid} does not exist.")
    if parent.id in subtree:
        raise exc.Invalid("creating loop in the provider tree is not allowed.")
    values["parent_provider_id"] = parent.id
    repo.set_root(conn, subtree, parent.root_provider_id)


def delete(db: Database, uuid: str) -> None:
    def work(conn):
        row = repo.get_by_uuid_or_raise(conn, uuid)
        # Lock the provider row the way allocation writers do (a guarded
        # generation bump) so none can commit onto it between the checks
        # below and the delete; a writer that got there first wins.
        if not repo.try_bump_generation(conn, row.id, row.generation):
            raise RetryRequest(exc.ConcurrentUpdate(
                f"resource provider {uuid} changed while being deleted; retry"))
        if repo.has_allocations(conn, row.id):
            raise exc.ProviderInUse(
                f"Unable to delete resource provider {uuid}: Resource provider has allocations.")
        if repo.has_children(conn, row.id):
            raise exc.CannotDeleteParent(
                f"Unable to delete parent resource provider {uuid}: "
                "It has child resource providers.")
        repo.delete(conn, row.id)
    db.write(work)
