"""Copy a file's bytes keeping its holes (``cp --sparse=always``): only the
data extents are copied (``SEEK_DATA``/``SEEK_HOLE``), with
``os.copy_file_range`` so the kernel may share or copy blocks without
passing them through user space; where the filesystem cannot say where
the holes are, blocks are read in bounded chunks and runs of zeros are
skipped.  The destination has the source's length (or ``length``)."""
from __future__ import annotations

import errno
import os

CHUNK = 1 << 20          # at most this much is held in memory at a time
_ZERO = bytes(CHUNK)


def copy(source: str, destination: str, *, length: int | None = None,
         exclusive: bool = True) -> None:
    """Copy ``source`` to a new file ``destination`` (``exclusive``: must
    not exist), ``length`` bytes long (the source's size by default:
    longer leaves a hole at the end, shorter cuts)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    with open(source, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        fd = os.open(destination, flags, 0o600)
        try:
            with open(fd, "wb", closefd=False) as dst:
                os.ftruncate(dst.fileno(), size if length is None else length)
                copy_extents(src.fileno(), dst.fileno(), min(size, length or size))
            if length is not None:
                os.ftruncate(fd, length)
            os.fsync(fd)
        finally:
            os.close(fd)


def _extents(fd: int, size: int):
    """(start, end) of every data extent below ``size``."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:     # only a hole is left
                return
            raise
        if start >= size:
            return
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        yield start, end
        offset = end


def copy_extents(src: int, dst: int, size: int) -> None:
    """Copy the first ``size`` bytes of ``src`` into ``dst`` (already
    ``size`` long and all holes), writing no zeros."""
    try:
        extents = list(_extents(src, size))
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
            raise
        extents = [(0, size)]
    for start, end in extents:
        _copy_range(src, dst, start, end)


def _copy_range(src: int, dst: int, start: int, end: int) -> None:
    offset = start
    while offset < end:
        want = min(CHUNK, end - offset)
        data = os.pread(src, want, offset)
        if not data:
            return
        if data != _ZERO[:len(data)]:
            if not _kernel_copy(src, dst, offset, len(data)):
                os.pwrite(dst, data, offset)
        offset += len(data)


def _kernel_copy(src: int, dst: int, offset: int, count: int) -> bool:
    """``copy_file_range`` the chunk (a reflink or an in-kernel copy);
    False where the kernel or filesystem cannot."""
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is None:
        return False
    done = 0
    try:
        while done < count:
            n = copy_range(src, dst, count - done, offset + done, offset + done)
            if n == 0:
                return False
            done += n
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
            return False
        raise
    return True
