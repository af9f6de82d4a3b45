"""The volume manager's wire contract: its topic and the plain
dataclasses its casts carry (orjson encodes them; the manager rebuilds
them with ``from_wire``, ignoring fields it does not know so either side
may be upgraded first)."""
from __future__ import annotations

import dataclasses
from typing import Any

# cinder's names: the binary in a service list, the topic on the bus.
BINARY = "cinder-volume"
TOPIC = "cinder-volume"


def server_of(host: str) -> str:
    """The manager (a server of :data:`TOPIC`) that owns a volume of pool
    ``host`` (``<host>@<backend>#<pool>``): its ``[volume] host``."""
    return host.partition("@")[0]


@dataclasses.dataclass(frozen=True)
class ImageRef:
    """The image whose data a new volume is to hold."""
    id: str
    disk_format: str | None = None


@dataclasses.dataclass(frozen=True)
class Fill:
    """What the backend puts into a new volume: the data at ``location``
    (a snapshot's or volume's, in the volume's pool), or ``image``'s
    (fetched with ``token``), or nothing (a blank volume)."""
    location: str | None = None
    image: ImageRef | None = None
    token: str | None = None
    request_id: str | None = None

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> "Fill":
        if not data:
            return cls()
        image = data.get("image")
        return cls(location=data.get("location"),
                   image=ImageRef(id=image["id"], disk_format=image.get("disk_format"))
                   if image else None,
                   token=data.get("token"), request_id=data.get("request_id"))


@dataclasses.dataclass(frozen=True)
class SnapshotLocation:
    """A snapshot to remove with its volume (a cascading delete)."""
    id: str
    location: str | None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "SnapshotLocation":
        return cls(id=data["id"], location=data.get("location"))
