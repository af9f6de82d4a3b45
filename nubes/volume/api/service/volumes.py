"""Volumes: show, list, update, delete (the backend removes the volume
after the answer), metadata."""
from __future__ import annotations

import logging

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc
from nubes.volume.api.service import access, lists, snapshots
from nubes.volume.api.service import metadata as user_metadata
from nubes.volume.api.service.backend_work import BackendWork
from nubes.volume.repo import snapshots as snapshot_repo
from nubes.volume.repo import volumes as repo
from nubes.volume.repo.volumes import VolumeRecord

LOG = logging.getLogger(__name__)

DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
NOT_DELETABLE = ("Invalid volume: Volume status must be available or error or "
                 "error_restoring or error_extending or error_managing and must not be "
                 "migrating, attached, belong to a group, have snapshots, awaiting a "
                 "transfer, or be disassociated from snapshots after volume transfer.")


def get(db: Database, ctx, volume_id: str) -> VolumeRecord:
    return access.check_volume(ctx, db.read(lambda conn: repo.get(conn, volume_id)), volume_id)


def list_volumes(db: Database, ctx, listing: lists.Listing
                 ) -> tuple[list[VolumeRecord], int | None]:
    """A page of volumes, and their total count when asked for."""
    return lists.page(db, ctx, listing, repo)


def update(db: Database, ctx, volume_id: str, values: dict,
           metadata: dict | None) -> VolumeRecord:
    def work(conn):
        access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        if values:
            repo.update(conn, volume_id, values)
        if metadata is not None:
            repo.replace_metadata(conn, volume_id, metadata)
        return repo.get(conn, volume_id)
    return db.write(work)


def delete(state, ctx, volume_id: str, *, force: bool = False,
           cascade: bool = False) -> None:
    """``deleting`` now, gone once the backend removed it.  Refused (400)
    outside the deletable states, while the volume has attachments
    (reserved ones included), has snapshots (unless ``cascade``: they go
    first) or is being copied; ``force`` (admins) allows any state but
    still no attached attachment."""
    def work(conn):
        record = access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        attached = any(a.attach_status == "attached" for a in record.attachments)
        if force:
            if attached or record.status == "deleting":
                raise exc.Invalid(NOT_DELETABLE)
        elif (record.status not in DELETABLE or record.attachments
              or record.migration_status not in (None, "", "success", "error")):
            raise exc.Invalid(NOT_DELETABLE)
        found = snapshot_repo.of_volume(conn, volume_id)
        if (found and not cascade) or snapshot_repo.sources_in_use(conn, volume_id=volume_id):
            raise exc.Invalid(NOT_DELETABLE)
        for snapshot in found:
            snapshots.mark_deleting(conn, snapshot, force=False)
        repo.update(conn, volume_id, {"status": "deleting"})
        return record, found
    record, found = state.db.write(work)
    state.work.submit(remove_from_backend, volume_id, record.host, record.provider_location,
                      [(s.id, s.provider_location) for s in found])


def remove_from_backend(work: BackendWork, volume_id: str, host: str | None,
                        location: str | None, snapshot_locations=()) -> None:
    """Remove the volume's snapshots, its bytes, then its row;
    ``error_deleting`` if the backend cannot."""
    for snapshot_id, snapshot_location in snapshot_locations:
        snapshots.remove_from_backend(work, snapshot_id, host, snapshot_location)
    try:
        if host and location:
            work.backends.driver_for(host).delete_volume(location)
        if snapshot_locations and work.db.read(
                lambda conn: snapshot_repo.of_volume(conn, volume_id)):
            raise exc.BackendError("A snapshot of the volume could not be deleted.")
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("volume %s could not be deleted: %s", volume_id, error)
        work.db.write(lambda conn: repo.update(conn, volume_id, {
            "status": "error_deleting", "error_message": reason}))
        return
    work.db.write(lambda conn: repo.delete(conn, volume_id))


def get_metadata(db: Database, ctx, volume_id: str) -> dict[str, str]:
    return get(db, ctx, volume_id).metadata


def set_metadata(db: Database, ctx, volume_id: str, metadata: dict[str, str], *,
                 replace: bool) -> dict[str, str]:
    return user_metadata.set_metadata(
        db, lambda r: access.check_volume(ctx, r, volume_id), repo, volume_id, metadata,
        replace=replace)


def delete_metadata_key(db: Database, ctx, volume_id: str, key: str) -> None:
    user_metadata.delete_key(db, lambda r: access.check_volume(ctx, r, volume_id), repo,
                             volume_id, key, "Volume")
