"""A host's image cache and its instances' disks.

The cache (``INSTANCES/HOST/_base``) holds each image's data once, fetched
through :mod:`nubes.image.client` the first time a guest of this host needs
it (one download per image at a time: others wait for it), named after the
image id.  An instance's root disk is a qcow2 overlay on the cached image
(``qemu-img create -b``) grown to the flavor's root disk; its ephemeral
disk a fresh qcow2 of the flavor's size.

An image is booted directly when its properties name a kernel
(``kernel_id``, an ``aki`` image) and optionally an initrd (``ramdisk_id``)
and a command line (``os_command_line``); those are cached the same way.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import threading
from typing import Any, Iterator

from nubes.compute.virt.driver import DriverError

GIB = 1024 ** 3
CHUNK = 1024 * 1024
QEMU_IMG_TIMEOUT = 600.0


@dataclasses.dataclass(frozen=True)
class BootSource:
    image_id: str
    disk: str                   # the cached root image
    disk_format: str            # qcow2 or raw
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None


class ImageCache:
    def __init__(self, directory: str, client: Any, token: str | None):
        self.directory = directory
        self._client = client
        self._token = token
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def boot_source(self, image_id: str) -> BootSource:
        """The cached image (fetched now if needed) and what boots it."""
        meta = self._metadata(image_id)
        disk_format = meta.get("disk_format") or "raw"
        if disk_format not in ("qcow2", "raw"):
            raise DriverError(f"image {image_id} is {disk_format}: the libvirt driver boots "
                              "qcow2 and raw disk images")
        return self.boot_source_of(image_id, meta.get("properties") or {}, disk_format,
                                   self.fetch(image_id))

    def boot_source_of(self, image_id: str, props: dict[str, Any], disk_format: str,
                       disk: str = "") -> BootSource:
        """What boots a disk whose image has these properties: the kernel
        and initrd they name (fetched into the cache) and the command line;
        none for a disk that boots with its own bootloader.  ``disk`` is
        empty for a root volume (it is not in the cache)."""
        kernel = self.fetch(props["kernel_id"]) if props.get("kernel_id") else None
        initrd = self.fetch(props["ramdisk_id"]) if props.get("ramdisk_id") else None
        return BootSource(image_id, disk, disk_format, kernel, initrd,
                          props.get("os_command_line") if kernel else None)

    def properties(self, image_id: str) -> dict[str, Any]:
        """The image's properties (from the cache once it was booted here);
        empty when the image cannot be found any more."""
        try:
            return dict(self._metadata(image_id).get("properties") or {})
        except DriverError:
            return {}

    def _metadata(self, image_id: str) -> dict[str, Any]:
        path = os.path.join(self.directory, image_id + ".json")
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        image = self._client.get_image(image_id, token=self._token) if self._client else None
        if image is None:
            raise DriverError(f"image {image_id} cannot be found")
        meta = {"disk_format": image.disk_format, "properties": dict(image.properties)}
        _write_atomically(path, json.dumps(meta).encode())
        return meta

    def fetch(self, image_id: str) -> str:
        """The path of the image's data in the cache."""
        path = os.path.join(self.directory, image_id)
        with self._guard:
            lock = self._locks.setdefault(image_id, threading.Lock())
        with lock:
            if os.path.exists(path):
                return path
            if self._client is None:
                raise DriverError("no image API to fetch images from ([image_client])")
            try:
                chunks = self._client.download(image_id, token=self._token)
            except Exception as exc:  # noqa: BLE001 - the image API's own error text
                raise DriverError(f"image {image_id} could not be downloaded: {exc}") from exc
            if chunks is None:
                raise DriverError(f"image {image_id} has no data")
            tmp = f"{path}.part{threading.get_ident()}"
            with open(tmp, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
            os.replace(tmp, path)
            return path

    def forget(self, image_id: str) -> None:
        """The image's data and metadata removed from the cache (an image
        nothing is backed by and that is about to be deleted)."""
        with self._guard:
            lock = self._locks.setdefault(image_id, threading.Lock())
        with lock:
            for path in (os.path.join(self.directory, image_id),
                         os.path.join(self.directory, image_id + ".json")):
                if os.path.exists(path):
                    os.unlink(path)

    def cached(self) -> list[str]:
        return sorted(n for n in os.listdir(self.directory)
                      if not n.endswith(".json") and ".part" not in n)


def _write_atomically(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp{threading.get_ident()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def qemu_img(*args: str) -> str:
    try:
        out = subprocess.run(["qemu-img", *args], capture_output=True, text=True,
                             timeout=QEMU_IMG_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DriverError(f"qemu-img {args[0]} failed: {exc}") from exc
    if out.returncode != 0:
        raise DriverError(f"qemu-img {args[0]} failed: {out.stderr.strip()}")
    return out.stdout


def virtual_size(path: str) -> int:
    return int(json.loads(qemu_img("info", "-U", "--output=json", path))["virtual-size"])


def create_overlay(base: str, base_format: str, path: str, size_gb: int) -> None:
    """A qcow2 on ``base``: the flavor's root disk size, or the image's own
    when the flavor says 0; an image larger than the flavor's disk fails."""
    image_size = virtual_size(base)
    size = size_gb * GIB if size_gb else image_size
    if image_size > size:
        raise DriverError(f"Flavor's disk is too small for requested image: the image is "
                          f"{image_size} bytes, the flavor's root disk {size} bytes")
    qemu_img("create", "-q", "-f", "qcow2", "-F", base_format, "-b", base, path, str(size))


def copy_standalone(base: str, base_format: str, path: str, size_gb: int) -> None:
    """A qcow2 at ``path`` holding ``base``'s data with no backing file,
    grown to ``size_gb`` GiB (0: the image's own size) — an image larger
    than that fails, as for an overlay."""
    image_size = virtual_size(base)
    if size_gb and image_size > size_gb * GIB:
        raise DriverError(f"Flavor's disk is too small for requested image: the image is "
                          f"{image_size} bytes, the flavor's root disk {size_gb * GIB} bytes")
    tmp = f"{path}.part{threading.get_ident()}"
    qemu_img("convert", "-q", "-f", base_format, "-O", "qcow2", base, tmp)
    grow(tmp, size_gb)
    os.replace(tmp, path)


def create_blank(path: str, size_gb: int) -> None:
    qemu_img("create", "-q", "-f", "qcow2", path, str(size_gb * GIB))


def converted(path: str, out_format: str, scratch: str) -> Iterator[bytes]:
    """The disk at ``path`` as a standalone ``out_format`` image, in chunks;
    ``scratch`` (a file path) is removed once read."""
    qemu_img("convert", "-U", "-O", out_format, path, scratch)

    def chunks() -> Iterator[bytes]:
        try:
            with open(scratch, "rb") as f:
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        return
                    yield chunk
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)
    return chunks()


def copy_disk(source: str, path: str, base: str | None = None,
              base_format: str | None = None) -> None:
    """A copy of the qcow2 ``source`` at ``path``; one on a backing image
    (an instance's root overlay) is rebased onto ``base``, the same image
    in this host's cache (an unsafe rebase: the data is the same)."""
    shutil.copyfile(source, path)
    info = json.loads(qemu_img("info", "-U", "--output=json", path))
    if info.get("backing-filename"):
        if base is None:
            raise DriverError(f"{source} has a backing image and none was given")
        qemu_img("rebase", "-q", "-u", "-f", "qcow2", "-F", base_format or "raw",
                 "-b", base, path)


def grow(path: str, size_gb: int) -> None:
    """``path`` grown to ``size_gb`` GiB (a disk already as large or larger
    stays as it is: disks are never shrunk)."""
    if size_gb and virtual_size(path) < size_gb * GIB:
        qemu_img("resize", "-q", "-f", "qcow2", path, str(size_gb * GIB))
