"""Snapshots: create (the row ``creating`` counted in the quotas in one
transaction, the backend's copy afterwards by the volume manager), show,
list, update, delete, metadata, the admin's reset_status."""
from __future__ import annotations

import dataclasses
import logging
import uuid

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc
from nubes.volume.api.service import access, lists, quota
from nubes.volume.api.service import metadata as user_metadata
from nubes.volume.repo import locks
from nubes.volume.repo import snapshots as repo
from nubes.volume.repo import volumes as volume_repo
from nubes.volume.repo.snapshots import SnapshotRecord

LOG = logging.getLogger(__name__)

DELETABLE = ("available", "error")
NOT_DELETABLE = ("Invalid snapshot: Volume Snapshot status must be available or error and "
                 "must not be part of a group.")


@dataclasses.dataclass(frozen=True)
class NewSnapshot:
    volume_id: str
    name: str | None = None
    description: str | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    in_use_allowed: bool = False


def not_found(snapshot_id: str) -> exc.NotFound:
    return exc.NotFound(f"Snapshot {snapshot_id} could not be found.")


def check(ctx, record: SnapshotRecord | None, snapshot_id: str) -> SnapshotRecord:
    if record is None or not access.visible(ctx, record.project_id):
        raise not_found(snapshot_id)
    return record


def get(db: Database, ctx, snapshot_id: str) -> SnapshotRecord:
    return check(ctx, db.read(lambda conn: repo.get(conn, snapshot_id)), snapshot_id)


def _snapshottable(volume, in_use_allowed: bool) -> None:
    allowed = ("available", "in-use") if in_use_allowed else ("available",)
    if volume.status not in allowed:
        raise exc.Invalid(f"Invalid volume: Volume {volume.id} status must be "
                          f"{' or '.join(allowed)}, but current status is: {volume.status}.")


def create(state, ctx, new: NewSnapshot) -> SnapshotRecord:
    snapshot_id = str(uuid.uuid4())

    def work(conn):
        volume = access.check_volume(ctx, volume_repo.get(conn, new.volume_id, lock=True),
                                     new.volume_id)
        _snapshottable(volume, new.in_use_allowed)
        locks.lock_project(conn, ctx.project_id)
        quota.check(conn, state.conf, ctx.project_id, volume.volume_type_name,
                    volumes=0, snapshots=1, gigabytes=volume.size)
        # A volume without data (an error volume an admin reset) has no
        # backend to copy it: the snapshot is an error at once.
        no_data = volume.host is None or volume.provider_location is None
        repo.insert(conn, {
            "id": snapshot_id, "project_id": ctx.project_id, "user_id": ctx.user_id,
            "volume_id": volume.id, "name": new.name, "description": new.description,
            "size": volume.size, "status": "error" if no_data else "creating",
            "progress": "0%", "error_message": f"Volume {volume.id} has no data to "
            "snapshot." if no_data else None}, new.metadata)
        return repo.get(conn, snapshot_id)
    record = state.db.write(work)
    if record.status == "creating":
        state.managers.create_snapshot(ctx, record.host, snapshot_id)
    return record


def list_snapshots(db: Database, ctx, listing: lists.Listing
                   ) -> tuple[list[SnapshotRecord], int | None]:
    return lists.page(db, ctx, listing, repo)


def update(db: Database, ctx, snapshot_id: str, values: dict) -> SnapshotRecord:
    def work(conn):
        check(ctx, repo.get(conn, snapshot_id, lock=True), snapshot_id)
        repo.update(conn, snapshot_id, values)
        return repo.get(conn, snapshot_id)
    return db.write(work)


def mark_deleting(conn, record: SnapshotRecord, *, force: bool) -> None:
    """``deleting`` (under the snapshot's row lock), or the 400 when it
    may not be deleted now."""
    if (not force and record.status not in DELETABLE) or record.status == "deleting":
        raise exc.Invalid(NOT_DELETABLE)
    if repo.sources_in_use(conn, snapshot_id=record.id):
        raise exc.Invalid(f"Invalid snapshot: Snapshot {record.id} is the source of a "
                          "volume being created.")
    repo.update(conn, record.id, {"status": "deleting"})


def delete(state, ctx, snapshot_id: str, *, force: bool = False) -> None:
    """``deleting`` now, gone once the backend removed it; ``force``
    (admins) allows any state but ``deleting``."""
    def work(conn):
        record = check(ctx, repo.get(conn, snapshot_id, lock=True), snapshot_id)
        mark_deleting(conn, record, force=force)
        return record
    record = state.db.write(work)
    if record.host is None:
        state.db.write(lambda conn: repo.delete(conn, snapshot_id))
        return
    state.managers.delete_snapshot(ctx, record.host, snapshot_id, record.provider_location)


def reset_status(db: Database, ctx, snapshot_id: str, status: str) -> None:
    def work(conn):
        check(ctx, repo.get(conn, snapshot_id, lock=True), snapshot_id)
        repo.update(conn, snapshot_id, {"status": status})
    db.write(work)


def set_metadata(db: Database, ctx, snapshot_id: str, metadata: dict[str, str], *,
                 replace: bool) -> dict[str, str]:
    return user_metadata.set_metadata(db, lambda r: check(ctx, r, snapshot_id), repo,
                                      snapshot_id, metadata, replace=replace)


def delete_metadata_key(db: Database, ctx, snapshot_id: str, key: str) -> None:
    user_metadata.delete_key(db, lambda r: check(ctx, r, snapshot_id), repo, snapshot_id,
                             key, "Snapshot")
