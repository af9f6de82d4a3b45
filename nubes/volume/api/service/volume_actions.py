"""``POST /volumes/{id}/action``: extend, bootable flag, the detach
bracket compute uses (begin/roll detaching), and the admin's reset_status."""
from __future__ import annotations

import logging

from nubes.volume import exceptions as exc
from nubes.volume.api.service import access, quota
from nubes.volume.repo import locks
from nubes.volume.repo import volumes as repo

LOG = logging.getLogger(__name__)


def extend(state, ctx, volume_id: str, new_size: int, *, in_use_allowed: bool) -> None:
    """``extending`` now (the larger size counted against the quota at
    once), back to the volume's status once the backend grew it."""
    allowed = ("available", "in-use") if in_use_allowed else ("available",)

    def work(conn):
        record = access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        if record.status not in allowed:
            raise exc.Invalid(f"Invalid volume: Volume {volume_id} status must be "
                              f"{' or '.join(allowed)} to extend, but current status is: "
                              f"{record.status}.")
        if new_size <= record.size:
            raise exc.Invalid(f"Invalid input received: New size for extend must be "
                              f"greater than current size. (current: {record.size}, "
                              f"extended: {new_size}).")
        locks.lock_project(conn, record.project_id)
        quota.check(conn, state.conf, record.project_id, record.volume_type_name,
                    volumes=0, gigabytes=new_size - record.size, size=new_size)
        repo.update(conn, volume_id, {"status": "extending", "size": new_size})
        return record
    record = state.db.write(work)
    state.managers.extend_volume(ctx, record.host, volume_id, record.status, record.size)


def set_bootable(db, ctx, volume_id: str, bootable: bool) -> None:
    def work(conn):
        access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        repo.update(conn, volume_id, {"bootable": bootable})
    db.write(work)


def begin_detaching(db, ctx, volume_id: str) -> None:
    def work(conn):
        record = access.check_volume(
            ctx, repo.lock_for_attachments(conn, volume_id, attachments=False), volume_id)
        if record.status != "in-use" or record.attach_status != "attached":
            raise exc.Invalid("Invalid volume: Unable to detach volume. Volume status must "
                              "be 'in-use' and attach_status must be 'attached' to detach.")
        repo.update(conn, volume_id, {"status": "detaching"})
    db.write(work)


def roll_detaching(db, ctx, volume_id: str) -> None:
    def work(conn):
        access.check_volume(
            ctx, repo.lock_for_attachments(conn, volume_id, attachments=False), volume_id)
        repo.update(conn, volume_id, {"status": "in-use"}, statuses=("detaching",))
    db.write(work)


def reset_status(db, ctx, volume_id: str, values: dict) -> None:
    """Admins set status, attach_status and migration_status as they say."""
    def work(conn):
        access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        repo.update(conn, volume_id, values)
    db.write(work)
