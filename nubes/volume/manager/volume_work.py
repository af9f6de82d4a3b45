"""Volumes on the backend: make one (blank, or with a snapshot's, a
volume's or an image's data: ``downloading`` meanwhile), remove one (its
snapshots first), grow one, upload one's data to an image.  Each checks
the volume is still in the state the API left it in, and writes the
outcome: the next status, or the error status with the reason."""
from __future__ import annotations

import logging

from nubes.common.timeutils import utcnow
from nubes.volume import exceptions as exc
from nubes.volume import images as image_data
from nubes.volume.manager import snapshot_work
from nubes.volume.manager.messages import Fill, SnapshotLocation
from nubes.volume.manager.work import Work
from nubes.volume.repo import snapshots as snapshot_repo
from nubes.volume.repo import volumes as repo

LOG = logging.getLogger(__name__)


def make(work: Work, volume_id: str, fill: Fill) -> None:
    """Have the backend make the volume (with its source's data);
    available, or error with the reason.  A volume deleted (or force-deleted
    while ``creating``/``downloading``) meanwhile loses what was made for
    it here: its delete could not know the location, so this removes it."""
    record = work.db.read(lambda conn: repo.get(conn, volume_id))
    if record is None or record.status != "creating":
        return
    try:
        location = _make(work, record, fill)
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("volume %s could not be created: %s", volume_id, error)
        work.db.write(lambda conn: repo.update(conn, volume_id, {
            "status": "error", "error_message": reason}, statuses=("creating", "downloading")))
        return
    if location is None:
        return
    if not work.db.write(lambda conn: repo.update(conn, volume_id, {
            "status": "available", "provider_location": location, "launched_at": utcnow()},
            statuses=("creating", "downloading"))):
        _discard(work, record, location)


def _make(work: Work, record, fill: Fill) -> str | None:
    """The new volume's location (None: the volume was deleted before its
    data was written, and what was made is gone again).  A volume whose
    data could not be written is removed again before the BackendError
    goes up."""
    driver = work.backends.driver_for(record.host)
    pool = record.host.partition("#")[2]
    if fill.location:
        return driver.create_volume_from(record.id, record.size, pool, fill.location)
    location = driver.create_volume(record.id, record.size, pool)
    if fill.image is None:
        return location
    try:
        if not work.db.write(lambda conn: repo.update(conn, record.id, {
                "status": "downloading"}, statuses=("creating",))):
            _discard(work, record, location)
            return None
        image_data.write_into(work.images, driver, location, fill.image, token=fill.token,
                              request_id=fill.request_id)
    except exc.BackendError:
        _discard(work, record, location)
        raise
    return location


def _discard(work: Work, record, location: str) -> None:
    """Remove what the backend made for a volume that will not have it."""
    LOG.info("volume %s: removing %s (the volume was deleted or failed meanwhile)",
             record.id, location)
    try:
        work.backends.driver_for(record.host).delete_volume(location)
    except exc.BackendError as error:
        LOG.warning("volume %s: %s", record.id, error)


def remove(work: Work, volume_id: str, location: str | None,
           snapshots: list[SnapshotLocation] = ()) -> None:
    """Remove the volume's snapshots, its bytes, then its row;
    ``error_deleting`` if the backend cannot."""
    record = work.db.read(lambda conn: repo.get(conn, volume_id))
    if record is None or record.status != "deleting":
        return
    host = record.host
    for snapshot in snapshots:
        snapshot_work.remove(work, snapshot.id, host, snapshot.location)
    try:
        if host and location:
            work.backends.driver_for(host).delete_volume(location)
        if snapshots and work.db.read(lambda conn: snapshot_repo.of_volume(conn, volume_id)):
            raise exc.BackendError("A snapshot of the volume could not be deleted.")
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("volume %s could not be deleted: %s", volume_id, error)
        work.db.write(lambda conn: repo.update(conn, volume_id, {
            "status": "error_deleting", "error_message": reason}))
        return
    work.db.write(lambda conn: repo.delete(conn, volume_id))


def grow(work: Work, volume_id: str, status: str, old_size: int) -> None:
    """Back to ``status`` once the backend grew the volume;
    ``error_extending`` (and the old size) if it cannot."""
    record = work.db.read(lambda conn: repo.get(conn, volume_id))
    if record is None or record.status != "extending":
        return
    try:
        work.backends.driver_for(record.host).extend_volume(record.provider_location,
                                                            record.size)
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("volume %s could not be extended: %s", volume_id, error)
        work.db.write(lambda conn: repo.update(conn, volume_id, {
            "status": "error_extending", "size": old_size,
            "error_message": reason}, statuses=("extending",)))
        return
    work.db.write(lambda conn: repo.update(conn, volume_id, {"status": status},
                                           statuses=("extending",)))


def upload(work: Work, volume_id: str, image_id: str, status: str, disk_format: str,
           token: str | None) -> None:
    """Stream the volume's data into the queued image, then give the volume
    its status back; a failed upload deletes the image."""
    record = work.db.read(lambda conn: repo.get(conn, volume_id))
    if record is None or record.status != "uploading":
        return
    try:
        driver = work.backends.driver_for(record.host)
        image_data.upload(work.images, driver, record.provider_location, image_id,
                          disk_format, token=token, request_id=None)
    except exc.BackendError as error:
        LOG.error("volume %s could not be uploaded to image %s: %s", volume_id, image_id,
                  error)
        image_data.delete_image(work.images, image_id, token=token)
    work.db.write(lambda conn: repo.update(conn, volume_id, {"status": status},
                                           statuses=("uploading",)))
