"""Resource classes: the standard ones (read-only) and CUSTOM_* ones."""
from __future__ import annotations

import dataclasses
import datetime

from sqlalchemy import exc as sa_exc

from nubes.common.db.transaction import Database
from nubes.placement import exceptions as exc
from nubes.placement.repo import resource_classes as repo
from nubes.placement.service.standard_names import STANDARD_CLASSES


@dataclasses.dataclass(frozen=True)
class ResourceClass:
    name: str
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None


def _view(row) -> ResourceClass:
    # Standard classes are fixed by the software, not created by anyone:
    # no timestamps (answers then say last-modified is now).
    if row.name in STANDARD_CLASSES:
        return ResourceClass(row.name, None, None)
    return ResourceClass(row.name, row.created_at, row.updated_at)


def list_classes(db: Database) -> list[ResourceClass]:
    return [_view(r) for r in db.read(repo.list_all)]


def get(db: Database, name: str) -> ResourceClass:
    row = db.read(lambda conn: repo.get_by_name(conn, name))
    if row is None:
        raise exc.ResourceClassNotFound(f"No such resource class {name}.")
    return _view(row)


def create(db: Database, name: str) -> None:
    def work(conn):
        if repo.get_by_name(conn, name) is not None:
            raise exc.Duplicate(f"Conflicting resource class already exists: {name}")
        repo.create(conn, name)
    _guard_duplicate(db, work, name)


def ensure(db: Database, name: str) -> bool:
    """Create ``name`` unless it exists; True when it was created."""
    def work(conn):
        if repo.get_by_name(conn, name) is not None:
            return False
        repo.create(conn, name)
        return True
    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        return False  # another writer created it first


def rename(db: Database, old: str, new: str) -> ResourceClass:
    if old in STANDARD_CLASSES:
        raise exc.StandardNameReadOnly(f"Cannot update standard resource class {old}")

    def work(conn):
        row = repo.get_by_name(conn, old)
        if row is None:
            raise exc.ResourceClassNotFound(f"No such resource class {old}.")
        if repo.get_by_name(conn, new) is not None:
            raise exc.Duplicate(f"Resource class already exists: {new}")
        repo.rename(conn, row.id, new)
        return repo.get_by_name(conn, new)
    return _view(_guard_duplicate(db, work, new))


def delete(db: Database, name: str) -> None:
    if name in STANDARD_CLASSES:
        raise exc.StandardNameReadOnly(f"Cannot delete standard resource class {name}")

    def work(conn):
        row = repo.get_by_name(conn, name)
        if row is None:
            raise exc.ResourceClassNotFound(f"No such resource class {name}.")
        if repo.in_use(conn, row.id):
            raise exc.ResourceClassInUse(
                f"Unable to delete resource class {name}. It is in use")
        repo.delete(conn, row.id)
    db.write(work)


def _guard_duplicate(db: Database, work, name: str):
    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        raise exc.Duplicate(f"Conflicting resource class already exists: {name}") from None
