"""Image records: create, show, list, update (JSON patch) and delete
(which removes the image's data from the store too).  Image data itself
(upload, download) is :mod:`.image_data`.

Who sees what: an admin sees every image; anyone else sees public and
community images and those their project owns (there are no image members
yet, so ``shared`` images are seen by their owner only).  Listings leave
community images out unless ``visibility=community`` (or ``all``) asks
for them, and hidden images (``os_hidden``) unless ``os_hidden=true``.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import uuid as uuidlib
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database
from nubes.image import exceptions as exc
from nubes.image import store as stores
from nubes.image.store.base import HASH_ALGO
from nubes.image.repo import images as repo
from nubes.image.repo.images import ImageRecord

VISIBILITIES = ("public", "private", "shared", "community")
STATUSES = ("queued", "saving", "active", "killed", "deleted", "pending_delete",
            "deactivated", "uploading", "importing")
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
                "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "virtual_size",
             "id", "created_at", "updated_at", "min_disk", "min_ram", "visibility", "owner",
             "protected", "os_hidden")
LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class Query:
    equal: dict[str, list] = dataclasses.field(default_factory=dict)   # column -> any of
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: list[str] = dataclasses.field(default_factory=list)
    visibility: str | None = None      # one of VISIBILITIES, "all" or None
    size_min: int | None = None
    size_max: int | None = None
    sort: list[tuple[str, str]] = dataclasses.field(
        default_factory=lambda: [("created_at", "desc")])
    limit: int = 25
    marker: str | None = None


def visible(ctx: RequestContext, image: ImageRecord) -> bool:
    return ctx.is_admin or image.visibility in ("public", "community") or \
        (image.owner is not None and image.owner == ctx.project_id)


def _not_found(image_id: str) -> exc.NotFound:
    return exc.NotFound(f"No image found with ID {image_id}")


def _get(conn, ctx: RequestContext, image_id: str) -> ImageRecord:
    found = repo.get(conn, image_id)
    if found is None or not visible(ctx, found):
        raise _not_found(image_id)
    return found


def fetch(conn, ctx: RequestContext, image_id: str) -> ImageRecord:
    """Inside a transaction: the image ``ctx`` may see, or NotFound."""
    return _get(conn, ctx, image_id)


def get(db: Database, ctx: RequestContext, image_id: str) -> ImageRecord:
    return db.read(lambda conn: _get(conn, ctx, image_id))


# --- listing ---------------------------------------------------------------------

def _where(ctx: RequestContext, query: Query) -> list:
    col = repo.column
    where: list = []
    vis = query.visibility
    if vis not in (None, "all"):
        where.append(col("visibility") == vis)
    elif vis is None and not ctx.is_admin:
        where.append(col("visibility") != "community")
    if not ctx.is_admin:
        where.append(sa.or_(col("visibility").in_(("public", "community")),
                            col("owner") == ctx.project_id))
    if "os_hidden" not in query.equal:
        where.append(col("os_hidden") == sa.false())
    for name, values in query.equal.items():
        where.append(col(name).in_(values) if len(values) > 1 else col(name) == values[0])
    for name, value in query.properties.items():
        where.append(repo.has_property(name, value))
    for tag in query.tags:
        where.append(repo.has_tag(tag))
    if query.size_min is not None:
        where.append(col("size") >= query.size_min)
    if query.size_max is not None:
        where.append(col("size") <= query.size_max)
    return where


def _compare(sort: list[tuple[str, str]]):
    def compare(a, b) -> int:
        for key, direction in sort:
            x, y = getattr(a, key), getattr(b, key)
            if x == y:
                continue
            # None sorts before any value, ascending.
            less = y is not None if x is None else (y is not None and x < y)
            result = -1 if less else 1
            return -result if direction == "desc" else result
        return 0
    return compare


def list_images(db: Database, ctx: RequestContext, query: Query) -> list[ImageRecord]:
    """One page, sorted; an invisible or unknown marker is a 400."""
    sort = list(query.sort)
    if "id" not in {k for k, _ in sort}:
        sort.append(("id", sort[-1][1]))
    columns = [k for k, _ in sort]

    def work(conn):
        rows = repo.select_rows(conn, _where(ctx, query), columns)
        marker = None
        if query.marker is not None:
            found = repo.get(conn, query.marker)
            if found is None or not visible(ctx, found):
                raise exc.Invalid(f"Invalid marker. Image {query.marker} could not be found.")
            marker = found
        rows.sort(key=functools.cmp_to_key(_compare(sort)))
        if marker is not None:
            after = _compare(sort)
            rows = [r for r in rows if after(r, marker) > 0]
        return repo.get_many(conn, [r.id for r in rows[:query.limit]])
    return db.read(work)


# --- writes ------------------------------------------------------------------------------

def create(db: Database, ctx: RequestContext, fields: dict, properties: dict[str, str]
           ) -> ImageRecord:
    """``fields``: validated base attributes (id, name, visibility, ...,
    tags); the image starts ``queued``, owned by the caller's project
    unless ``owner`` says otherwise."""
    fields = dict(fields)
    image_id = fields.pop("id", None) or str(uuidlib.uuid4())
    tags = _unique(fields.pop("tags", []))
    values = {"status": "queued", "visibility": "shared", "protected": False,
              "os_hidden": False, "min_ram": 0, "min_disk": 0, "owner": ctx.project_id}
    values.update(fields)

    def work(conn):
        if repo.exists(conn, image_id):
            raise exc.Conflict(f"Image with identifier {image_id} already exists!")
        repo.create(conn, image_id, values, properties, tags)
        return repo.get(conn, image_id)
    try:
        return db.write(work)
    except sa_exc.IntegrityError:
        raise exc.Conflict(f"Image with identifier {image_id} already exists!") from None


def _unique(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def update(db: Database, ctx: RequestContext, image_id: str, fields: dict,
           properties: dict[str, str | None], tags: list[str] | None) -> ImageRecord:
    """Apply changes computed from a patch: base ``fields``, custom
    ``properties`` (None removes one) and, unless None, the new tag list."""
    def work(conn):
        image = _get(conn, ctx, image_id)
        for key in ("disk_format", "container_format"):
            # Data once stored is immutable, and so is what describes it.
            if key in fields and image.status != "queued":
                raise exc.Forbidden(f"Forbidden to modify '{key}' of {image.status} image.")
        repo.update(conn, image_id, fields)
        repo.set_properties(conn, image_id, properties)
        if tags is not None:
            repo.replace_tags(conn, image_id, _unique(tags))
        return repo.get(conn, image_id)
    return db.write(work)


def delete(db: Database, store: stores.Store, ctx: RequestContext, image_id: str) -> None:
    """Delete the record, then (after commit) its data.  An upload under
    way finds its image gone when it finishes and removes what it wrote."""
    def work(conn):
        image = _get(conn, ctx, image_id)
        if image.protected:
            raise exc.Forbidden(f"Image {image_id} is protected and cannot be deleted.")
        repo.delete(conn, image_id)
        return image.location
    location = db.write(work)
    if location is not None:
        try:
            store.delete(location)
        except stores.StoreError as error:
            LOG.warning("image %s deleted, but not its data at %s: %s", image_id, location,
                        error)


def add_tag(db: Database, ctx: RequestContext, image_id: str, tag: str) -> None:
    def work(conn):
        image = _get(conn, ctx, image_id)
        if tag not in image.tags:
            repo.replace_tags(conn, image_id, [*image.tags, tag])
            repo.update(conn, image_id, {})
    db.write(work)


def delete_tag(db: Database, ctx: RequestContext, image_id: str, tag: str) -> None:
    def work(conn):
        image = _get(conn, ctx, image_id)
        if tag not in image.tags:
            raise exc.NotFound(f"Tag {tag} not found on image {image_id}")
        repo.replace_tags(conn, image_id, [t for t in image.tags if t != tag])
        repo.update(conn, image_id, {})
    db.write(work)


def digest(chunks: Iterable[bytes]) -> dict:
    """size, checksum (md5) and os_hash_value of some bytes, read once."""
    md5, multihash, size = hashlib.md5(usedforsecurity=False), hashlib.new(HASH_ALGO), 0
    for chunk in chunks:
        md5.update(chunk)
        multihash.update(chunk)
        size += len(chunk)
    return {"size": size, "checksum": md5.hexdigest(), "os_hash_algo": HASH_ALGO,
            "os_hash_value": multihash.hexdigest()}


def seed(db: Database, store: stores.Store | None, *, name: str, disk_format: str,
         container_format: str, data: bytes, min_disk: int = 0, min_ram: int = 0,
         owner: str | None = None, properties: dict[str, str] | None = None
         ) -> ImageRecord | None:
    """A public, active image called ``name`` with ``data`` (kept in
    ``store``; without one, a record only) unless one exists (embedded
    cloud's first start); the new record, or None."""
    image_id = str(uuidlib.uuid4())

    def work(conn):
        if conn.execute(sa.select(repo.column("id")).where(repo.column("name") == name)
                        ).first() is not None:
            return None
        values = {"name": name, "status": "active", "visibility": "public",
                  "protected": False, "os_hidden": False, "owner": owner,
                  "min_ram": min_ram, "min_disk": min_disk, "disk_format": disk_format,
                  "container_format": container_format, **digest([data])}
        if store is not None:
            values["location"] = store.add(image_id, [data], max_size=len(data)).location
        repo.create(conn, image_id, values, properties or {}, [])
        return repo.get(conn, image_id)
    return db.write(work)
