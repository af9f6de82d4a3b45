"""The file backend's sparse copy on real files: data extents copied, holes
left as holes, the length set; also where the filesystem cannot tell
where the holes are (the copy then skips zero blocks itself)."""
from __future__ import annotations

import errno
import os

import pytest

from nubes.volume.backends import sparse_copy

MiB = 1 << 20


def _make(path, size: int, pieces: dict[int, bytes]) -> None:
    with open(path, "wb") as f:
        f.truncate(size)
        for offset, data in pieces.items():
            f.seek(offset)
            f.write(data)


def _allocated(path) -> int:
    return os.stat(path).st_blocks * 512


PIECES = {0: b"head", 5 * MiB + 3: b"middle" * 1000, 64 * MiB - 4: b"tail"}


@pytest.mark.parametrize("seek_data", [True, False], ids=["extents", "zero-scan"])
def test_copy_keeps_data_and_holes(tmp_path, monkeypatch, seek_data):
    src, dst = tmp_path / "src", tmp_path / "dst"
    _make(src, 64 * MiB, PIECES)
    if not seek_data:
        real = os.lseek

        def no_seek_data(fd, pos, how):
            if how in (os.SEEK_DATA, os.SEEK_HOLE):
                raise OSError(errno.EINVAL, "not supported here")
            return real(fd, pos, how)
        monkeypatch.setattr(sparse_copy.os, "lseek", no_seek_data)
    sparse_copy.copy(str(src), str(dst))
    assert os.path.getsize(dst) == 64 * MiB
    with open(src, "rb") as a, open(dst, "rb") as b:
        while chunk := a.read(MiB):
            assert b.read(MiB) == chunk
    assert _allocated(dst) <= 8 * MiB      # three pieces, not 64 MiB of zeros
    with pytest.raises(FileExistsError):
        sparse_copy.copy(str(src), str(dst))


def test_copy_to_another_length(tmp_path):
    src, longer, shorter = tmp_path / "src", tmp_path / "long", tmp_path / "short"
    _make(src, 8 * MiB, {MiB: b"kept", 7 * MiB: b"cut"})
    sparse_copy.copy(str(src), str(longer), length=32 * MiB)
    assert os.path.getsize(longer) == 32 * MiB
    with open(longer, "rb") as f:
        f.seek(MiB)
        assert f.read(4) == b"kept"
        f.seek(7 * MiB)
        assert f.read(3) == b"cut"
    sparse_copy.copy(str(src), str(shorter), length=2 * MiB)
    assert os.path.getsize(shorter) == 2 * MiB
    with open(shorter, "rb") as f:
        f.seek(MiB)
        assert f.read(4) == b"kept"
