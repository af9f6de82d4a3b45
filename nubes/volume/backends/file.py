"""The ``file`` backend: one sparse raw file per volume, in a directory
per pool (``[file_backend] volumes_dir``/<pool>).  Real bytes a
hypervisor can attach as a raw disk; a new volume takes no space until
written.  A pool's capacity is ``[file_backend] total_capacity_gb`` or,
when that is 0, the size of the filesystem holding the directory."""
from __future__ import annotations

import os
import shutil

from nubes.volume.backends import image_convert, sparse_copy
from nubes.volume.backends.base import GiB, Driver, PoolStats
from nubes.volume.exceptions import BackendError

DRIVER_VOLUME_TYPE = "file"


class FileDriver(Driver):
    def __init__(self, *, host: str, volumes_dir: str, backend_name: str, pools: list[str],
                 availability_zone: str, total_capacity_gb: int = 0,
                 reserved_percentage: int = 0):
        self.name = f"{host}@{backend_name}"
        self.volumes_dir = os.path.abspath(volumes_dir)
        self.backend_name = backend_name
        self.pool_names = list(pools)
        self.availability_zone = availability_zone
        self.total_capacity_gb = total_capacity_gb
        self.reserved_percentage = reserved_percentage

    @classmethod
    def from_conf(cls, conf) -> "FileDriver":
        opts = conf.file_backend
        return cls(host=conf.volume.host, volumes_dir=opts.volumes_dir,
                   backend_name=opts.volume_backend_name, pools=opts.pools,
                   availability_zone=conf.volume.storage_availability_zone,
                   total_capacity_gb=opts.total_capacity_gb,
                   reserved_percentage=opts.reserved_percentage)

    def _filesystem_gb(self) -> int:
        path = self.volumes_dir
        while not os.path.exists(path):
            path = os.path.dirname(path)
        return shutil.disk_usage(path).total // GiB

    def pools(self) -> list[PoolStats]:
        total = self.total_capacity_gb or self._filesystem_gb()
        return [PoolStats(name=f"{self.name}#{pool}", backend_name=self.backend_name,
                          availability_zone=self.availability_zone,
                          total_capacity_gb=total,
                          reserved_percentage=self.reserved_percentage)
                for pool in self.pool_names]

    def _path(self, volume_id: str, pool: str) -> str:
        if pool not in self.pool_names:
            raise BackendError(f"Pool {pool} is not a pool of backend {self.name}.")
        return os.path.join(self.volumes_dir, pool, f"volume-{volume_id}")

    def _check(self, location: str) -> str:
        path = os.path.abspath(location)
        if os.path.dirname(os.path.dirname(path)) != self.volumes_dir:
            raise BackendError(f"{location} is not a volume of backend {self.name}.")
        return path

    def create_volume(self, volume_id: str, size_gb: int, pool: str) -> str:
        path = self._path(volume_id, pool)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.ftruncate(fd, size_gb * GiB)
            finally:
                os.close(fd)
        except OSError as exc:
            raise BackendError(f"Could not create the volume file {path}: "
                               f"{exc.strerror}.") from None
        return path

    def create_volume_from(self, volume_id: str, size_gb: int, pool: str,
                           source: str) -> str:
        path = self._path(volume_id, pool)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            sparse_copy.copy(self._check(source), path, length=size_gb * GiB)
        except OSError as exc:
            _remove(path)
            raise BackendError(f"Could not copy {source} to {path}: {exc.strerror}.") from None
        return path

    def create_snapshot(self, snapshot_id: str, volume_location: str) -> str:
        volume = self._check(volume_location)
        path = os.path.join(os.path.dirname(volume), f"snapshot-{snapshot_id}")
        try:
            sparse_copy.copy(volume, path)
        except OSError as exc:
            _remove(path)
            raise BackendError(f"Could not snapshot {volume_location}: "
                               f"{exc.strerror}.") from None
        return path

    def delete_snapshot(self, location: str) -> None:
        self.delete_volume(location)

    def write_image(self, location: str, chunks, disk_format: str) -> None:
        path = self._check(location)
        if disk_format == "raw":
            self._write_raw(path, chunks)
            return
        try:
            spooled = image_convert.spool(chunks, os.path.dirname(path))
        except OSError as exc:
            raise BackendError(f"Could not store the image data: {exc.strerror}.") from None
        try:
            image_convert.write_converted(spooled, disk_format, path)
        finally:
            os.unlink(spooled)

    def read_image(self, location: str, disk_format: str):
        path = self._check(location)
        if disk_format == "raw":
            return self._read_raw(path, image_convert.CHUNK)
        return image_convert.read_converted(path, disk_format, os.path.dirname(path))

    def _write_raw(self, path: str, chunks) -> int:
        written = 0
        try:
            with open(path, "r+b") as volume:
                limit = os.fstat(volume.fileno()).st_size
                for chunk in chunks:
                    if written + len(chunk) > limit:
                        raise BackendError(f"The data does not fit the volume {path} "
                                           f"of {limit} bytes.")
                    if chunk.count(0) == len(chunk):
                        volume.seek(len(chunk), os.SEEK_CUR)     # keep the hole
                    else:
                        volume.write(chunk)
                    written += len(chunk)
                volume.flush()
                os.fsync(volume.fileno())
        except OSError as exc:
            raise BackendError(f"Could not write {path}: {exc.strerror}.") from None
        return written

    def _read_raw(self, path: str, chunk_size: int):
        try:
            with open(path, "rb") as volume:
                while chunk := volume.read(chunk_size):
                    yield chunk
        except OSError as exc:
            raise BackendError(f"Could not read {path}: {exc.strerror}.") from None

    def delete_volume(self, location: str) -> None:
        try:
            os.unlink(self._check(location))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise BackendError(f"Could not delete {location}: {exc.strerror}.") from None

    def extend_volume(self, location: str, size_gb: int) -> None:
        try:
            os.truncate(self._check(location), size_gb * GiB)
        except OSError as exc:
            raise BackendError(f"Could not extend {location}: {exc.strerror}.") from None

    def initialize_connection(self, location: str, connector: dict) -> dict:
        path = self._check(location)
        if not os.path.isfile(path):
            raise BackendError(f"The volume file {path} does not exist.")
        return {"driver_volume_type": DRIVER_VOLUME_TYPE, "data": {"device_path": path}}

    def terminate_connection(self, location: str, connector: dict | None) -> None:
        self._check(location)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
