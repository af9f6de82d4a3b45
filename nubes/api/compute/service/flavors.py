"""Flavors, their extra specs and project access (API database).

Visibility: an admin sees every flavor; anyone else sees public flavors,
private flavors shared with their project, and no disabled ones in
listings.  Deleting a flavor removes its extra specs and access rows;
instances keep the copy of the flavor they were built with.
"""
from __future__ import annotations

import dataclasses
import uuid as uuidlib

from sqlalchemy import exc as sa_exc

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells.records import FlavorRecord
from nubes.cells.repo import flavors as repo
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database

# Columns a listing may be sorted by (OpenStack compute's list).
SORT_KEYS = ("created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
             "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap",
             "updated_at", "vcpu_weight", "vcpus")

# devstack's m1 flavors, created by the embedded cloud on its first start.
DEFAULT_FLAVORS = [
    # flavorid, name, memory_mb, vcpus, root_gb
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
    ("5", "m1.xlarge", 16384, 8, 160),
]


@dataclasses.dataclass(frozen=True)
class Listing:
    is_public: bool | None = True
    min_memory_mb: int | None = None
    min_root_gb: int | None = None
    sort_key: str = "flavorid"
    sort_dir: str = "asc"
    limit: int | None = None
    marker: str | None = None


def _not_found(flavorid: str) -> exc.NotFound:
    return exc.NotFound(f"Flavor {flavorid} could not be found.")


def _get(conn, ctx: RequestContext, flavorid: str) -> FlavorRecord:
    found = repo.get(conn, flavorid, visible_to=ctx.project_id, admin=ctx.is_admin)
    if found is None:
        raise _not_found(flavorid)
    return found


def get(state: ComputeState, ctx: RequestContext, flavorid: str) -> FlavorRecord:
    return state.api_db.read(lambda conn: _get(conn, ctx, flavorid))


def _sort_value(flavor: FlavorRecord, key: str):
    value = getattr(flavor, key)
    # None sorts first ascending (as on SQLite and MySQL).
    return (value is not None, value if value is not None else 0), flavor.id


def list_flavors(state: ComputeState, ctx: RequestContext, listing: Listing) -> list[FlavorRecord]:
    """Visible flavors, sorted and paged; an unknown marker is a 400."""
    admin = ctx.is_admin

    def work(conn):
        found = repo.list_flavors(conn, is_public=listing.is_public if admin else True,
                                  project_id=ctx.project_id, include_disabled=admin,
                                  min_memory_mb=listing.min_memory_mb,
                                  min_root_gb=listing.min_root_gb)
        marker = None
        if listing.marker is not None:
            marker = repo.get(conn, listing.marker, visible_to=ctx.project_id, admin=admin)
            if marker is None:
                raise exc.Invalid(f"marker [{listing.marker}] not found")
        return found, marker
    found, marker = state.api_db.read(work)
    reverse = listing.sort_dir == "desc"
    found.sort(key=lambda f: _sort_value(f, listing.sort_key), reverse=reverse)
    if marker is not None:
        after = _sort_value(marker, listing.sort_key)
        found = [f for f in found
                 if (_sort_value(f, listing.sort_key) < after if reverse
                     else _sort_value(f, listing.sort_key) > after)]
    if listing.limit is not None:
        found = found[:listing.limit]
    return found


def create(state: ComputeState, *, flavorid: str | None, name: str, memory_mb: int,
           vcpus: int, root_gb: int, ephemeral_gb: int = 0, swap: int = 0,
           rxtx_factor: float = 1.0, is_public: bool = True,
           description: str | None = None) -> FlavorRecord:
    flavorid = flavorid if flavorid is not None else str(uuidlib.uuid4())

    def work(conn):
        if repo.exists(conn, name=name):
            raise exc.Conflict(f"Flavor with name {name} already exists.")
        if repo.exists(conn, flavorid=flavorid):
            raise exc.Conflict(f"Flavor with ID {flavorid} already exists.")
        repo.create(conn, flavorid=flavorid, name=name, memory_mb=memory_mb, vcpus=vcpus,
                    root_gb=root_gb, ephemeral_gb=ephemeral_gb, swap=swap,
                    rxtx_factor=rxtx_factor, is_public=is_public, description=description)
        return repo.get(conn, flavorid)
    try:
        return state.api_db.write(work)
    except sa_exc.IntegrityError:
        # A concurrent create took the name or the id.
        raise exc.Conflict(f"Flavor with name {name} or ID {flavorid} already exists.") \
            from None


def update_description(state: ComputeState, ctx: RequestContext, flavorid: str,
                       description: str | None) -> FlavorRecord:
    def work(conn):
        flavor = _get(conn, ctx, flavorid)
        repo.set_description(conn, flavor.id, description)
        return repo.get(conn, flavorid)
    return state.api_db.write(work)


def delete(state: ComputeState, ctx: RequestContext, flavorid: str) -> None:
    def work(conn):
        repo.delete(conn, _get(conn, ctx, flavorid).id)
    state.api_db.write(work)


# --- extra specs ---------------------------------------------------------------------

def set_extra_specs(state: ComputeState, ctx: RequestContext, flavorid: str,
                    specs: dict[str, str]) -> dict[str, str]:
    def work(conn):
        repo.set_extra_specs(conn, _get(conn, ctx, flavorid).id, specs)
    try:
        state.api_db.write(work)
    except sa_exc.IntegrityError:
        raise exc.Conflict(f"Extra specs of flavor {flavorid} were changed concurrently; "
                           "retry.") from None
    return specs


def get_extra_spec(state: ComputeState, ctx: RequestContext, flavorid: str,
                   key: str) -> str:
    specs = get(state, ctx, flavorid).extra_specs
    if key not in specs:
        raise exc.NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
    return specs[key]


def delete_extra_spec(state: ComputeState, ctx: RequestContext, flavorid: str,
                      key: str) -> None:
    def work(conn):
        if not repo.delete_extra_spec(conn, _get(conn, ctx, flavorid).id, key):
            raise exc.NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
    state.api_db.write(work)


# --- access -----------------------------------------------------------------------------

def access_list(state: ComputeState, ctx: RequestContext, flavorid: str) -> list[str]:
    def work(conn):
        flavor = _get(conn, ctx, flavorid)
        if flavor.is_public:
            raise exc.NotFound("Access list not available for public flavors.")
        return repo.access_list(conn, flavor.id)
    return state.api_db.read(work)


def add_access(state: ComputeState, ctx: RequestContext, flavorid: str, project_id: str, *,
               refuse_public: bool = True) -> list[str]:
    """Share a private flavor with a project; ``refuse_public`` (2.7+)
    makes sharing a public flavor a conflict."""
    def work(conn):
        flavor = _get(conn, ctx, flavorid)
        if flavor.is_public and refuse_public:
            raise exc.Conflict("Can not add access to a public flavor.")
        if not repo.add_access(conn, flavor.id, project_id):
            raise exc.Conflict(f"Flavor access already exists for flavor {flavorid} and "
                               f"project {project_id} combination.")
        return repo.access_list(conn, flavor.id)
    try:
        return state.api_db.write(work)
    except sa_exc.IntegrityError:
        raise exc.Conflict(f"Flavor access already exists for flavor {flavorid} and "
                           f"project {project_id} combination.") from None


def remove_access(state: ComputeState, ctx: RequestContext, flavorid: str,
                  project_id: str) -> list[str]:
    def work(conn):
        flavor = _get(conn, ctx, flavorid)
        if not repo.remove_access(conn, flavor.id, project_id):
            raise exc.NotFound(f"Flavor access not found for {flavorid} / {project_id} "
                               "combination.")
        return repo.access_list(conn, flavor.id)
    return state.api_db.write(work)


# --- defaults --------------------------------------------------------------------------------

def seed_defaults(api_db: Database) -> list[str]:
    """Create the default flavors that do not exist yet (by id or name);
    the names of those created."""
    def work(conn):
        created = []
        for flavorid, name, memory_mb, vcpus, root_gb in DEFAULT_FLAVORS:
            if repo.exists(conn, flavorid=flavorid) or repo.exists(conn, name=name):
                continue
            repo.create(conn, flavorid=flavorid, name=name, memory_mb=memory_mb, vcpus=vcpus,
                        root_gb=root_gb)
            created.append(name)
        return created
    return api_db.write(work)
