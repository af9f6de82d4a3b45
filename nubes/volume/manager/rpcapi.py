"""Client side of the volume manager: the casts the volume API sends once
its transaction committed (a request is answered before the backend
work is done, as cinder's are)::

    managers = VolumeManagerAPI(transport)
    managers.create_volume(ctx, record.host, volume_id, Fill(...))

Each goes to the manager of the volume's pool (:func:`messages.server_of`
of the volume's ``host``: its ``[volume] host``).  A cast the bus cannot
take (no manager of that host has ever listened, or the bus is down) is
logged and dropped: the volume stays in its transitional state
(``creating``, ``deleting``, ...) until an admin resets it
(docs/volume/operations.md).  Returns whether the bus took the cast.
"""
from __future__ import annotations

import dataclasses
import logging

from nubes.common import rpc
from nubes.volume.manager.messages import TOPIC, Fill, SnapshotLocation, server_of

LOG = logging.getLogger(__name__)
VERSION = "1.0"


class VolumeManagerAPI:
    def __init__(self, transport: rpc.Transport):
        self.transport = transport
        self._client = rpc.RPCClient(transport, rpc.Target(TOPIC), version=VERSION)

    def _cast(self, ctx, host: str, method: str, **kwargs) -> bool:
        target = self._client.prepare(server=server_of(host))
        try:
            target.cast(ctx, method, **kwargs)
        except rpc.MessagingError as exc:
            LOG.error("cast %s to the volume manager of %s failed (%s: %s); its volume or "
                      "snapshot stays as it is until an admin resets it", method, host,
                      type(exc).__name__, exc)
            return False
        return True

    def create_volume(self, ctx, host: str, volume_id: str, fill: Fill) -> bool:
        return self._cast(ctx, host, "create_volume", volume_id=volume_id,
                          fill=dataclasses.asdict(fill))

    def delete_volume(self, ctx, host: str, volume_id: str, location: str | None,
                      snapshots: list[SnapshotLocation]) -> bool:
        return self._cast(ctx, host, "delete_volume", volume_id=volume_id,
                          location=location,
                          snapshots=[dataclasses.asdict(s) for s in snapshots])

    def extend_volume(self, ctx, host: str, volume_id: str, status: str,
                      old_size: int) -> bool:
        return self._cast(ctx, host, "extend_volume", volume_id=volume_id, status=status,
                          old_size=old_size)

    def upload_volume(self, ctx, host: str, volume_id: str, image_id: str, status: str,
                      disk_format: str, token: str | None) -> bool:
        return self._cast(ctx, host, "upload_volume", volume_id=volume_id,
                          image_id=image_id, status=status, disk_format=disk_format,
                          token=token)

    def create_snapshot(self, ctx, host: str, snapshot_id: str) -> bool:
        return self._cast(ctx, host, "create_snapshot", snapshot_id=snapshot_id)

    def delete_snapshot(self, ctx, host: str, snapshot_id: str,
                        location: str | None) -> bool:
        return self._cast(ctx, host, "delete_snapshot", snapshot_id=snapshot_id,
                          location=location)
