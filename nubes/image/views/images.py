"""Image bodies, as glance shows them: base attributes (null when unset),
custom properties at the top level, and the self/file/schema links."""
from __future__ import annotations

import datetime

from nubes.image.repo.images import ImageRecord

_BASE = ("name", "status", "visibility", "protected", "os_hidden", "owner", "size",
         "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "min_ram", "min_disk",
         "disk_format", "container_format")


def _time(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def image(record: ImageRecord) -> dict:
    body = dict(record.properties)
    body.update({name: getattr(record, name) for name in _BASE})
    body.update({
        "id": record.id,
        "tags": list(record.tags),
        "created_at": _time(record.created_at),
        "updated_at": _time(record.updated_at or record.created_at),
        "self": f"/v2/images/{record.id}",
        "file": f"/v2/images/{record.id}/file",
        "schema": "/v2/schemas/image",
    })
    return body


def many(records: list[ImageRecord], first: str, next_href: str | None) -> dict:
    body = {"images": [image(r) for r in records], "first": first,
            "schema": "/v2/schemas/images"}
    if next_href:
        body["next"] = next_href
    return body
