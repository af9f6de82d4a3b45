"""The filesystem store: one file per image, named by its id, in one
directory (``[image_store] filesystem_store_datadir``).

A write goes to a temporary file in the same directory, is flushed to
disk (fsync), and only then renamed into place, so a reader or a crash
never meets half an image under an image's name; a failed or oversized
write removes its temporary file.  Locations are ``file://`` URLs of the
final file; the store refuses any location outside its directory.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
import urllib.parse
from typing import Iterable, Iterator

from nubes.image.store.base import (CHUNK, HASH_ALGO, NotStored, Store, StoreError,
                                    StoreFull, TooLarge, WriteDenied, Written)

_PARTIAL_SUFFIX = ".part"


class FilesystemStore(Store):
    def __init__(self, datadir: str):
        self.datadir = os.path.abspath(datadir)

    # -- locations -------------------------------------------------------------

    def _location(self, image_id: str) -> str:
        return "file://" + urllib.parse.quote(self._path_of(image_id))

    def _path_of(self, image_id: str) -> str:
        name = os.path.basename(image_id)
        if not name or name != image_id or name.startswith("."):
            raise StoreError(f"not a name this store keeps: {image_id!r}")
        return os.path.join(self.datadir, name)

    def _path(self, location: str) -> str:
        split = urllib.parse.urlsplit(location)
        path = os.path.abspath(urllib.parse.unquote(split.path))
        if split.scheme != "file" or os.path.dirname(path) != self.datadir:
            raise NotStored(f"{location} is not a location of this store")
        return path

    # -- the interface ---------------------------------------------------------

    def add(self, image_id: str, chunks: Iterable[bytes], *, max_size: int) -> Written:
        final = self._path_of(image_id)
        with _writing(f"cannot write in {self.datadir}"):
            os.makedirs(self.datadir, exist_ok=True)
            fd, partial = tempfile.mkstemp(prefix=image_id + ".", suffix=_PARTIAL_SUFFIX,
                                           dir=self.datadir)
        try:
            with os.fdopen(fd, "wb") as out:
                size, md5, multihash = _copy(chunks, out, max_size)
                with _writing(f"cannot write {final}"):
                    out.flush()
                    os.fsync(out.fileno())
            with _writing(f"cannot write {final}"):
                os.replace(partial, final)
        except BaseException:
            # Too large, a store error, or the chunks themselves failed (the
            # client went away): their error, as it is, and nothing kept.
            _remove(partial)
            raise
        _sync_dir(self.datadir)
        return Written(location=self._location(image_id), size=size, checksum=md5.hexdigest(),
                       os_hash_algo=HASH_ALGO, os_hash_value=multihash.hexdigest())

    def get(self, location: str, *, offset: int = 0, length: int | None = None
            ) -> Iterator[bytes]:
        path = self._path(location)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise NotStored(f"no data at {location}") from None
        except OSError as exc:
            raise StoreError(f"cannot read {location}: {exc.strerror}") from None
        return _read(f, offset, length)

    def size(self, location: str) -> int:
        try:
            return os.stat(self._path(location)).st_size
        except FileNotFoundError:
            raise NotStored(f"no data at {location}") from None

    def delete(self, location: str) -> bool:
        try:
            os.unlink(self._path(location))
        except FileNotFoundError:
            return False
        _sync_dir(self.datadir)
        return True


def _copy(chunks: Iterable[bytes], out, max_size: int):
    md5, multihash, size = hashlib.md5(usedforsecurity=False), hashlib.new(HASH_ALGO), 0
    for chunk in chunks:
        if not chunk:
            continue
        size += len(chunk)
        if size > max_size:
            raise TooLarge(f"the data is larger than {max_size} bytes")
        md5.update(chunk)
        multihash.update(chunk)
        with _writing("cannot write image data"):
            out.write(chunk)
    return size, md5, multihash


def _read(f, offset: int, length: int | None) -> Iterator[bytes]:
    """A generator: closing it (the WSGI server does, also when the client
    goes away) closes the file."""
    with f:
        f.seek(offset)
        left = length
        while left is None or left > 0:
            chunk = f.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


@contextlib.contextmanager
def _writing(what: str):
    """The store's own I/O errors as store errors (ENOSPC: full, EACCES: denied)."""
    try:
        yield
    except OSError as exc:
        raise _store_error(exc, what) from None


def _store_error(exc: OSError, what: str) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(f"{what}: the storage media is full")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WriteDenied(f"{what}: {exc.strerror}")
    return StoreError(f"{what}: {exc.strerror}")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _sync_dir(path: str) -> None:
    """Make a rename or unlink in ``path`` durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
