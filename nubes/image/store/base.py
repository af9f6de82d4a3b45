"""The store interface every kind of image storage implements, and the
errors it raises (the image service turns them into API errors)."""
from __future__ import annotations

import abc
import dataclasses
from typing import Iterable, Iterator

HASH_ALGO = "sha512"
CHUNK = 1 << 16


class StoreError(Exception):
    """The store could not do what was asked (an I/O error)."""


class TooLarge(StoreError):
    """The data is larger than the size cap ``add`` was given; nothing was kept."""


class StoreFull(StoreError):
    """The storage media has no room left; nothing was kept."""


class WriteDenied(StoreError):
    """The store may not write where it keeps data; nothing was kept."""


class NotStored(StoreError):
    """No data at that location (never written, or removed since)."""


@dataclasses.dataclass(frozen=True)
class Written:
    """What ``add`` kept: where, how many bytes, and their digests."""
    location: str
    size: int
    checksum: str           # md5, hex
    os_hash_algo: str
    os_hash_value: str      # HASH_ALGO, hex


class Store(abc.ABC):
    """Image data by image: written once, read in whole or in part, removed."""

    @abc.abstractmethod
    def add(self, image_id: str, chunks: Iterable[bytes], *, max_size: int) -> Written:
        """Keep the bytes of ``chunks`` (read once, never all in memory) as
        ``image_id``'s data.  Past ``max_size`` bytes: :class:`TooLarge`,
        and whatever was written is removed.  Data becomes visible at its
        location only once it is complete."""

    @abc.abstractmethod
    def get(self, location: str, *, offset: int = 0, length: int | None = None
            ) -> Iterator[bytes]:
        """The bytes at ``location`` from ``offset``, ``length`` of them
        (None: to the end), in chunks; :class:`NotStored` when there are none."""

    @abc.abstractmethod
    def size(self, location: str) -> int:
        """Bytes kept at ``location``; :class:`NotStored` when there are none."""

    @abc.abstractmethod
    def delete(self, location: str) -> bool:
        """Remove the data at ``location``; False when there was none."""
