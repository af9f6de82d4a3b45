"""What a compute agent does to instances, one operation per module:
``build`` (spawn, or hand the build back to the cell conductor for a
reschedule), ``delete`` (terminate), ``power`` (reboot, stop, start, pause,
suspend, rescue, ...), ``guest_info`` (console, diagnostics, password),
``soft_delete``, ``shelve`` and ``snapshot`` (createImage, createBackup).

Operations get a :class:`Host`: the host's name, its driver, its cell
conductor (every row the host writes goes through it: the host has no
database credentials), placement and the image API.  Operations on one instance run one at
a time (:class:`InstanceLocks`): a delete that arrives while the build is
spawning waits for it, then finds the instance's task state changed.
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
from typing import Any, Iterator

from nubes.compute.virt.driver import Driver
from nubes.conductor.cell.rpcapi import CellConductorAPI
from nubes.image.client import ImageClient
from nubes.placement.client import PlacementClient


class InstanceLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[threading.Lock, int]] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def hold(self, instance_uuid: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(instance_uuid, (threading.Lock(), 0))
            self._locks[instance_uuid] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[instance_uuid]
                if users == 1:
                    del self._locks[instance_uuid]
                else:
                    self._locks[instance_uuid] = (lock, users - 1)


@dataclasses.dataclass
class Host:
    name: str
    driver: Driver
    conductor: CellConductorAPI
    placement: PlacementClient
    # Snapshots upload here (None: [image_client] endpoint unset; they fail).
    images: ImageClient | None = None
    # The other hosts of the cell (a move hands over from host to host).
    peers: Any = None
    # What admins asked of the live migrations running here (force
    # complete, abort): nubes.compute.operations.live_migration.Controls.
    live_controls: Any = None
    locks: InstanceLocks = dataclasses.field(default_factory=InstanceLocks)
    # The volume API (attach, detach, boot from volume): a
    # nubes.volume.client.VolumeClient; None: the catalog has none.
    volumes: Any = None
