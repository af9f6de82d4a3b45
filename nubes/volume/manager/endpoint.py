"""The volume manager's RPC methods (all casts): each runs one piece of
backend work (:mod:`.volume_work`, :mod:`.snapshot_work`).  A failure the
work did not turn into an error status is logged by the RPC server; the
volume then stays in its transitional state for an admin to reset."""
from __future__ import annotations

import threading

from nubes.volume.manager import snapshot_work, volume_work
from nubes.volume.manager.messages import Fill, SnapshotLocation
from nubes.volume.manager.work import Work


class VolumeManagerEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, work: Work):
        self._work = work
        self._busy = 0
        self._idle = threading.Condition()

    def _run(self, fn, *args) -> None:
        with self._idle:
            self._busy += 1
        try:
            fn(self._work, *args)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _wait_idle(self, timeout: float) -> bool:
        """True once no work is running (within ``timeout`` seconds)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def create_volume(self, ctx, volume_id: str, fill: dict | None = None) -> None:
        self._run(volume_work.make, volume_id, Fill.from_wire(fill))

    def delete_volume(self, ctx, volume_id: str, location: str | None = None,
                      snapshots: list | None = None) -> None:
        self._run(volume_work.remove, volume_id, location,
                  [SnapshotLocation.from_wire(s) for s in snapshots or ()])

    def extend_volume(self, ctx, volume_id: str, status: str, old_size: int) -> None:
        self._run(volume_work.grow, volume_id, status, old_size)

    def upload_volume(self, ctx, volume_id: str, image_id: str, status: str,
                      disk_format: str, token: str | None = None) -> None:
        self._run(volume_work.upload, volume_id, image_id, status, disk_format, token)

    def create_snapshot(self, ctx, snapshot_id: str) -> None:
        self._run(snapshot_work.copy, snapshot_id)

    def delete_snapshot(self, ctx, snapshot_id: str, location: str | None = None) -> None:
        self._run(snapshot_work.remove_requested, snapshot_id, location)
