"""Bodies of the compute API's ``/images`` proxy: an image API image as
OpenStack compute showed it (status and progress from the image status,
``minRam``/``minDisk``, custom properties as ``metadata``, size, links)."""
from __future__ import annotations

import datetime
from typing import Callable

from nubes.image.client import Image

_STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING",
           "deleted": "DELETED", "pending_delete": "DELETED", "killed": "ERROR"}
_PROGRESS = {"queued": 25, "saving": 50, "active": 100}
_TRUE = {"1", "t", "true", "on", "y", "yes"}

UrlBuilder = Callable[[str, bool], str]


def _time(text: str | None) -> str | None:
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _links(url: UrlBuilder, collection: str, ident: str, alternate: str | None = None
           ) -> list[dict]:
    path = f"/{collection}/{ident}"
    links = [{"rel": "self", "href": url(path, False)},
             {"rel": "bookmark", "href": url(path, True)}]
    if alternate is not None:
        links.append({"rel": "alternate", "type": "application/vnd.openstack.image",
                      "href": f"{alternate}/images/{ident}"})
    return links


def basic(image: Image, url: UrlBuilder, image_endpoint: str) -> dict:
    return {"id": image.id, "name": image.name,
            "links": _links(url, "images", image.id, image_endpoint)}


def detail(image: Image, url: UrlBuilder, image_endpoint: str) -> dict:
    metadata = {k: v for k, v in image.properties.items()}
    body = {"id": image.id, "name": image.name, "minRam": image.min_ram,
            "minDisk": image.min_disk, "metadata": metadata,
            "created": _time(image.created_at), "updated": _time(image.updated_at),
            "status": _STATUS.get(image.status, "UNKNOWN"),
            "progress": _PROGRESS.get(image.status, 0),
            "OS-EXT-IMG-SIZE:size": image.size,
            "links": _links(url, "images", image.id, image_endpoint)}
    server = metadata.get("instance_uuid")
    if isinstance(server, str) and server:
        body["server"] = {"id": server, "links": _links(url, "servers", server)}
    disk_config = metadata.get("auto_disk_config")
    if disk_config is not None:
        body["OS-DCF:diskConfig"] = ("AUTO" if str(disk_config).strip().lower() in _TRUE
                                     else "MANUAL")
    return body
