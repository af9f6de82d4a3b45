"""SQL for images, their custom properties and tags."""
from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa

from nubes.common.db import key_values
from nubes.common.timeutils import utcnow
from nubes.image.models import image_properties as props
from nubes.image.models import image_tags as tags_t
from nubes.image.models import images as img

# Columns of ``images`` a caller may set or filter on directly.
COLUMNS = ("name", "status", "visibility", "protected", "os_hidden", "owner", "size",
           "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "min_ram",
           "min_disk", "disk_format", "container_format")


@dataclasses.dataclass(frozen=True)
class ImageRecord:
    id: str
    name: str | None
    status: str
    visibility: str
    protected: bool
    os_hidden: bool
    owner: str | None
    size: int | None
    virtual_size: int | None
    checksum: str | None
    os_hash_algo: str | None
    os_hash_value: str | None
    min_ram: int
    min_disk: int
    disk_format: str | None
    container_format: str | None
    location: str | None        # where the store keeps the data; never shown
    created_at: datetime.datetime
    updated_at: datetime.datetime | None
    properties: dict[str, str]
    tags: tuple[str, ...]


# Built once; values are parameters.
_GET = sa.select(img).where(img.c.id == sa.bindparam("id"))
_PROPERTIES_OF = sa.select(props.c.image_id, props.c.name, props.c.value).where(
    props.c.image_id.in_(sa.bindparam("ids", expanding=True)))
_TAGS_OF = (sa.select(tags_t.c.image_id, tags_t.c.value)
            .where(tags_t.c.image_id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(tags_t.c.id))


def _records(conn: sa.Connection, rows) -> list[ImageRecord]:
    rows = list(rows)
    if not rows:
        return []
    ids = [r.id for r in rows]
    extra: dict[str, dict[str, str]] = {i: {} for i in ids}
    tagged: dict[str, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = {"ids": ids[start:start + 500]}
        for r in conn.execute(_PROPERTIES_OF, chunk):
            extra[r.image_id][r.name] = r.value
        for r in conn.execute(_TAGS_OF, chunk):
            tagged[r.image_id].append(r.value)
    return [ImageRecord(**{c: getattr(r, c) for c in ("id", *COLUMNS, "location",
                                                        "created_at", "updated_at")},
                        properties=extra[r.id], tags=tuple(tagged[r.id]))
            for r in rows]


def get(conn: sa.Connection, image_id: str) -> ImageRecord | None:
    found = _records(conn, conn.execute(_GET, {"id": image_id}))
    return found[0] if found else None


def get_many(conn: sa.Connection, image_ids: list[str]) -> list[ImageRecord]:
    """In the order of ``image_ids``."""
    if not image_ids:
        return []
    by_id = {r.id: r for r in _records(conn, conn.execute(
        sa.select(img).where(img.c.id.in_(image_ids))))}
    return [by_id[i] for i in image_ids if i in by_id]


def select_rows(conn: sa.Connection, where: list, sort_columns: list[str]) -> list[sa.Row]:
    """id plus the sort columns of every image matching ``where``."""
    columns = [img.c.id, *(img.c[name] for name in sort_columns if name != "id")]
    return list(conn.execute(sa.select(*columns).where(*where)))


def exists(conn: sa.Connection, image_id: str) -> bool:
    return conn.execute(sa.select(img.c.id).where(img.c.id == image_id)).first() is not None


def create(conn: sa.Connection, image_id: str, values: dict, properties: dict[str, str],
           tags: list[str]) -> None:
    now = utcnow()
    conn.execute(sa.insert(img).values(id=image_id, created_at=now, **values))
    set_properties(conn, image_id, properties, now=now)
    replace_tags(conn, image_id, tags, now=now)


def update(conn: sa.Connection, image_id: str, values: dict) -> None:
    conn.execute(sa.update(img).where(img.c.id == image_id)
                 .values(updated_at=utcnow(), **values))


def update_if_status(conn: sa.Connection, image_id: str, statuses: tuple[str, ...],
                     values: dict) -> bool:
    """Update the image only while its status is one of ``statuses`` (one
    conditional UPDATE: of two writers racing, one wins); True when it did."""
    result = conn.execute(sa.update(img)
                          .where(img.c.id == image_id, img.c.status.in_(statuses))
                          .values(updated_at=utcnow(), **values))
    return result.rowcount == 1


def set_properties(conn: sa.Connection, image_id: str, properties: dict[str, str | None], *,
                   now=None) -> None:
    """Set each property; a ``None`` value removes it."""
    key_values.set_keys(conn, props.c.image_id, image_id, props.c.name, properties,
                        now or utcnow())


def replace_tags(conn: sa.Connection, image_id: str, tags: list[str], *, now=None) -> None:
    conn.execute(sa.delete(tags_t).where(tags_t.c.image_id == image_id))
    if tags:
        now = now or utcnow()
        conn.execute(sa.insert(tags_t), [{"image_id": image_id, "value": t, "created_at": now}
                                         for t in tags])


def delete(conn: sa.Connection, image_id: str) -> int:
    conn.execute(sa.delete(props).where(props.c.image_id == image_id))
    conn.execute(sa.delete(tags_t).where(tags_t.c.image_id == image_id))
    return conn.execute(sa.delete(img).where(img.c.id == image_id)).rowcount


# --- filters ----------------------------------------------------------------------

def column(name: str):
    return img.c[name]


def has_property(name: str, value: str):
    return img.c.id.in_(sa.select(props.c.image_id).where(props.c.name == name,
                                                          props.c.value == value))


def has_tag(value: str):
    return img.c.id.in_(sa.select(tags_t.c.image_id).where(tags_t.c.value == value))
