"""Image data in and out of raw volume files with ``qemu-img`` (the
formats other than raw: qcow2, vmdk, vdi, vhd(x)...).  Data is spooled
through a temporary file next to the volume; memory stays bounded."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile

from nubes.volume.exceptions import BackendError

# disk_format (the image API's) -> qemu-img's name for it.
FORMATS = {"raw": "raw", "qcow2": "qcow2", "vmdk": "vmdk", "vdi": "vdi", "vhd": "vpc",
           "vhdx": "vhdx"}
CHUNK = 1 << 20
TIMEOUT = 3600


def _format(disk_format: str) -> str:
    found = FORMATS.get(disk_format)
    if found is None:
        raise BackendError(f"Image disk format {disk_format} cannot be converted to or from "
                           "a raw volume.")
    return found


def _run(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackendError(f"{args[0]} {args[1]} failed: {exc}") from None
    if done.returncode != 0:
        raise BackendError(f"qemu-img {args[1]} failed: {done.stderr.strip()[:500]}")
    return done.stdout


def spool(chunks, directory: str) -> str:
    """Write ``chunks`` to a new temporary file in ``directory``; its path."""
    fd, path = tempfile.mkstemp(prefix=".image-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
    except BaseException:
        os.unlink(path)
        raise
    return path


def write_converted(source: str, disk_format: str, volume: str) -> None:
    """Write the image file ``source`` into the raw ``volume`` (which must
    hold its virtual size)."""
    fmt = _format(disk_format)
    info = json.loads(_run(["qemu-img", "info", "--output=json", "-f", fmt, source]))
    virtual = int(info.get("virtual-size") or 0)
    if virtual > os.path.getsize(volume):
        raise BackendError(f"The image's virtual size {virtual} bytes does not fit the "
                           f"volume of {os.path.getsize(volume)} bytes.")
    _run(["qemu-img", "convert", "-n", "-f", fmt, "-O", "raw", source, volume])


def read_converted(volume: str, disk_format: str, directory: str):
    """The raw ``volume``'s data as ``disk_format``, in chunks."""
    fmt = _format(disk_format)
    fd, path = tempfile.mkstemp(prefix=".upload-", dir=directory)
    os.close(fd)
    try:
        _run(["qemu-img", "convert", "-f", "raw", "-O", fmt, volume, path])
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)
