"""Volumes: show, list, update, delete (the volume manager removes the
volume after the answer), metadata."""
from __future__ import annotations

import logging

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc
from nubes.volume.api.service import access, lists, snapshots
from nubes.volume.api.service import metadata as user_metadata
from nubes.volume.manager.messages import SnapshotLocation
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
    if record.host is None:        # never placed in a pool: nothing on a backend
        def forget(conn):
            for snapshot in found:
                snapshot_repo.delete(conn, snapshot.id)
            repo.delete(conn, volume_id)
        state.db.write(forget)
        return
    state.managers.delete_volume(ctx, record.host, volume_id, record.provider_location,
                                 [SnapshotLocation(s.id, s.provider_location) for s in found])


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
