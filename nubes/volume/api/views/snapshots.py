"""Snapshot bodies by microversion (cinder's fields)."""
from __future__ import annotations

from nubes.volume.api import microversions as mv
from nubes.volume.api.views.common import timestamp
from nubes.volume.repo.snapshots import SnapshotRecord


def detail(req, record: SnapshotRecord, *, extended: bool) -> dict:
    """The snapshot; ``extended`` adds ``os-extended-snapshot-attributes``
    (progress and project) as cinder's show and detail list do."""
    version = req.context.version
    body = {
        "id": record.id,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "name": record.name,
        "description": record.description,
        "volume_id": record.volume_id,
        "status": record.status,
        "size": record.size,
        "metadata": dict(record.metadata),
    }
    if extended:
        body["os-extended-snapshot-attributes:progress"] = record.progress
        body["os-extended-snapshot-attributes:project_id"] = record.project_id
    if version >= mv.GROUP_SNAPSHOTS:
        body["group_snapshot_id"] = None
    if version >= mv.SNAPSHOT_USER_ID:
        body["user_id"] = record.user_id
    if version >= mv.CONSUMES_QUOTA:
        body["consumes_quota"] = True
    return body
