"""Where image data lives.  One interface (:class:`base.Store`), one
implementation per kind of storage; :func:`from_conf` picks the one the
configuration names (today: the filesystem store, ``[image_store]``).

The image service asks a store to ``add`` an image's bytes (streamed, with
a size cap), and keeps the *location* the store answers in the image
record; ``get``, ``size`` and ``delete`` take that location back.  Users
never see locations.
"""
from __future__ import annotations

from nubes.image.store.base import (NotStored, Store, StoreError, StoreFull, TooLarge,
                                    WriteDenied, Written)
from nubes.image.store.filesystem import FilesystemStore

__all__ = ["FilesystemStore", "NotStored", "Store", "StoreError", "StoreFull", "TooLarge",
           "WriteDenied", "Written", "from_conf"]


def from_conf(conf) -> Store:
    """The store ``[image_store]`` describes."""
    return FilesystemStore(conf.image_store.filesystem_store_datadir)
