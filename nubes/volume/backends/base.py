"""The one interface every volume backend implements.

A backend holds volumes in pools; each pool reports its capacity and the
service chooses one for every new volume (:mod:`.pool_choice`).  A volume
is known to its backend by the ``location`` the backend returned when it
created it (kept as the volume's ``provider_location``).  Backends raise
:class:`nubes.volume.exceptions.BackendError` when they cannot do what
they were asked.
"""
from __future__ import annotations

import abc
import dataclasses

GiB = 1 << 30


@dataclasses.dataclass(frozen=True)
class PoolStats:
    name: str                 # <host>@<backend>#<pool>, the volume's "host"
    backend_name: str         # what a type's volume_backend_name extra spec matches
    availability_zone: str
    total_capacity_gb: int
    reserved_percentage: int = 0

    @property
    def pool(self) -> str:
        return self.name.partition("#")[2]

    @property
    def usable_gb(self) -> int:
        return self.total_capacity_gb * (100 - self.reserved_percentage) // 100


class Driver(abc.ABC):
    """A volume backend.  ``name`` is the ``<host>@<backend>`` prefix of
    every pool it has."""

    name: str

    @abc.abstractmethod
    def pools(self) -> list[PoolStats]:
        """Every pool of the backend with its capacity now."""

    @abc.abstractmethod
    def create_volume(self, volume_id: str, size_gb: int, pool: str) -> str:
        """Make an empty volume of ``size_gb`` in ``pool``; its location."""

    @abc.abstractmethod
    def create_volume_from(self, volume_id: str, size_gb: int, pool: str,
                           source: str) -> str:
        """Make a volume of ``size_gb`` in ``pool`` holding the bytes of the
        volume or snapshot at location ``source``; its location."""

    @abc.abstractmethod
    def create_snapshot(self, snapshot_id: str, volume_location: str) -> str:
        """Copy the volume's bytes as they are now; the snapshot's location."""

    @abc.abstractmethod
    def delete_snapshot(self, location: str) -> None:
        """Remove the snapshot (one already gone is not an error)."""

    @abc.abstractmethod
    def write_image(self, location: str, chunks, disk_format: str) -> None:
        """Write the image data ``chunks`` yields (in ``disk_format``) into
        the volume as raw bytes; data that does not fit is a BackendError."""

    @abc.abstractmethod
    def read_image(self, location: str, disk_format: str):
        """The volume's bytes as image data in ``disk_format``, in chunks."""

    @abc.abstractmethod
    def delete_volume(self, location: str) -> None:
        """Remove the volume (one already gone is not an error)."""

    @abc.abstractmethod
    def extend_volume(self, location: str, size_gb: int) -> None:
        """Grow the volume to ``size_gb``."""

    @abc.abstractmethod
    def initialize_connection(self, location: str, connector: dict) -> dict:
        """What a host needs to attach the volume:
        ``{"driver_volume_type": ..., "data": {...}}``."""

    @abc.abstractmethod
    def terminate_connection(self, location: str, connector: dict | None) -> None:
        """Undo :meth:`initialize_connection` for ``connector``."""
