"""Snapshots on the backend: copy a volume's bytes (``available`` or
``error``), remove them (the row goes, or ``error_deleting``)."""
from __future__ import annotations

import logging

from nubes.volume import exceptions as exc
from nubes.volume.manager.work import Work
from nubes.volume.repo import snapshots as repo
from nubes.volume.repo import volumes as volume_repo

LOG = logging.getLogger(__name__)


def copy(work: Work, snapshot_id: str) -> None:
    """The backend copies the volume: ``available``, or ``error``."""
    def volume_of(conn):
        snapshot = repo.get(conn, snapshot_id)
        return snapshot, snapshot and volume_repo.get(conn, snapshot.volume_id)
    snapshot, volume = work.db.read(volume_of)
    if snapshot is None or snapshot.status != "creating":
        return
    try:
        if volume is None or volume.host is None or volume.provider_location is None:
            raise exc.BackendError(f"Volume {snapshot.volume_id} has no data to snapshot.")
        location = work.backends.driver_for(volume.host).create_snapshot(
            snapshot_id, volume.provider_location)
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("snapshot %s could not be created: %s", snapshot_id, error)
        work.db.write(lambda conn: repo.update(conn, snapshot_id, {
            "status": "error", "error_message": reason}, statuses=("creating",)))
        return
    changed = work.db.write(lambda conn: repo.update(conn, snapshot_id, {
        "status": "available", "progress": "100%", "provider_location": location},
        statuses=("creating",)))
    if not changed:       # force-deleted meanwhile: its row is gone or going
        work.backends.driver_for(volume.host).delete_snapshot(location)


def remove(work: Work, snapshot_id: str, host: str | None, location: str | None) -> None:
    """Remove the snapshot's bytes, then its row; ``error_deleting`` if the
    backend cannot."""
    try:
        if host and location:
            work.backends.driver_for(host).delete_snapshot(location)
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("snapshot %s could not be deleted: %s", snapshot_id, error)
        work.db.write(lambda conn: repo.update(conn, snapshot_id, {
            "status": "error_deleting", "error_message": reason}))
        return
    work.db.write(lambda conn: repo.delete(conn, snapshot_id))


def remove_requested(work: Work, snapshot_id: str, location: str | None) -> None:
    """A delete the API asked for: only a snapshot still ``deleting``."""
    snapshot = work.db.read(lambda conn: repo.get(conn, snapshot_id))
    if snapshot is not None and snapshot.status == "deleting":
        remove(work, snapshot_id, snapshot.host, location)
