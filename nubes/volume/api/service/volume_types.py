"""Volume types: the default type, create/update/delete (admin), extra
specs, and the projects that may use a private type."""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc
from nubes.volume.repo import volume_types as repo
from nubes.volume.repo.volume_types import TypeRecord

DEFAULT_DESCRIPTION = "Default Volume Type"
MULTIATTACH_SPEC = "multiattach"
MULTIATTACH_ON = "<is> True"
BACKEND_SPEC = "volume_backend_name"


def is_multiattach(vtype: TypeRecord) -> bool:
    return vtype.extra_specs.get(MULTIATTACH_SPEC, "").strip().lower() == MULTIATTACH_ON.lower()


def ensure_default(db: Database, conf) -> None:
    """Create ``[volume] default_volume_type`` unless it exists (racing
    starts: the loser finds the winner's)."""
    name = conf.volume.default_volume_type

    def work(conn):
        if repo.get_by_name(conn, name) is None:
            repo.insert(conn, type_id=str(uuid.uuid4()), name=name,
                        description=DEFAULT_DESCRIPTION, is_public=True, extra_specs={})
    try:
        db.write(work)
    except sa.exc.IntegrityError:
        pass


def not_found(ref: str) -> exc.NotFound:
    return exc.NotFound(f"Volume type {ref} could not be found.")


def _find(conn, ref: str) -> TypeRecord | None:
    return repo.get(conn, ref) or repo.get_by_name(conn, ref)


def visible_type(conn, ctx, ref: str) -> TypeRecord:
    """The type named or identified by ``ref`` if the caller may use it."""
    vtype = _find(conn, ref)
    if vtype is None or not (ctx.is_admin or vtype.is_public
                             or repo.is_visible(conn, vtype.id, ctx.project_id)):
        raise not_found(ref)
    return vtype


def type_by_id(conn, type_id: str) -> TypeRecord:
    """A type a source (snapshot, volume) already has."""
    vtype = repo.get(conn, type_id)
    if vtype is None:
        raise not_found(type_id)
    return vtype


def default_type(conn, conf) -> TypeRecord:
    vtype = repo.get_by_name(conn, conf.volume.default_volume_type)
    if vtype is None:
        raise exc.NotFound("Default volume type can not be found.")
    return vtype


def get(db: Database, ctx, ref: str) -> TypeRecord:
    return db.read(lambda conn: visible_type(conn, ctx, ref))


def get_default(db: Database, conf) -> TypeRecord:
    return db.read(lambda conn: default_type(conn, conf))


def list_types(db: Database, ctx, is_public: bool | None) -> list[TypeRecord]:
    """Admins see every type (narrowed by ``is_public``, which defaults to
    public ones only when given), users the public ones and private ones
    shared with their project."""
    def work(conn):
        if ctx.is_admin:
            return repo.list_types(conn, project_id=None, is_public=is_public)
        return repo.list_types(conn, project_id=ctx.project_id, is_public=None)
    return db.read(work)


def create(db: Database, *, name: str, description: str | None, is_public: bool,
           extra_specs: dict[str, str]) -> TypeRecord:
    type_id = str(uuid.uuid4())

    def work(conn):
        if repo.get_by_name(conn, name) is not None:
            raise exc.Conflict(f"Volume Type {name} already exists.")
        repo.insert(conn, type_id=type_id, name=name, description=description,
                    is_public=is_public, extra_specs=extra_specs)
        return repo.get(conn, type_id)
    try:
        return db.write(work)
    except sa.exc.IntegrityError:
        raise exc.Conflict(f"Volume Type {name} already exists.") from None


def update(db: Database, conf, type_id: str, values: dict) -> TypeRecord:
    def work(conn):
        vtype = repo.get(conn, type_id)
        if vtype is None:
            raise not_found(type_id)
        if vtype.name == conf.volume.default_volume_type and "name" in values:
            raise exc.Invalid("The default volume type cannot be renamed.")
        other = repo.get_by_name(conn, values["name"]) if "name" in values else None
        if other is not None and other.id != type_id:
            raise exc.Conflict(f"Volume Type {values['name']} already exists.")
        repo.update(conn, type_id, values)
        return repo.get(conn, type_id)
    try:
        return db.write(work)
    except sa.exc.IntegrityError:
        raise exc.Conflict(f"Volume Type {values.get('name')} already exists.") from None


def delete(db: Database, conf, type_id: str) -> None:
    def work(conn):
        vtype = repo.get(conn, type_id)
        if vtype is None:
            raise not_found(type_id)
        if vtype.name == conf.volume.default_volume_type:
            raise exc.Invalid("Default volume type can not be deleted.")
        if repo.in_use(conn, type_id):
            raise exc.Invalid(f"Target volume type {type_id} is still in use.")
        repo.delete(conn, type_id)
    db.write(work)


def set_extra_specs(db: Database, type_id: str, changes: dict[str, str | None]) -> TypeRecord:
    """Set (or, with None, remove) extra specs; a removed key that was not
    set is a 404.  Specs of a type in use may change (cinder allows it
    for admins); existing volumes keep what they were created with."""
    def work(conn):
        vtype = repo.get(conn, type_id)
        if vtype is None:
            raise not_found(type_id)
        for key, value in changes.items():
            if value is None and key not in vtype.extra_specs:
                raise exc.NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
        repo.set_extra_specs(conn, type_id, changes)
        return repo.get(conn, type_id)
    return db.write(work)


def projects(db: Database, type_id: str) -> list[str]:
    def work(conn):
        vtype = repo.get(conn, type_id)
        if vtype is None:
            raise not_found(type_id)
        if vtype.is_public:
            raise exc.NotFound("Access list not available for public volume types.")
        return repo.projects(conn, type_id)
    return db.read(work)


def change_access(db: Database, type_id: str, project_id: str, *, add: bool) -> None:
    def work(conn):
        vtype = repo.get(conn, type_id)
        if vtype is None:
            raise not_found(type_id)
        if vtype.is_public:
            raise exc.Invalid("Type access modification is not applicable to public "
                              "volume type.")
        if add and not repo.add_project(conn, type_id, project_id):
            raise exc.Conflict(f"Volume type access for {type_id} / {project_id} "
                               "combination already exists.")
        if not add and not repo.remove_project(conn, type_id, project_id):
            raise exc.NotFound(f"Volume type access not found for {type_id} / "
                               f"{project_id} combination.")
    try:
        db.write(work)
    except sa.exc.IntegrityError:
        raise exc.Conflict(f"Volume type access for {type_id} / {project_id} "
                           "combination already exists.") from None
