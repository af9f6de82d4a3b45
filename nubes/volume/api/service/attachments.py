"""The attachments API (3.27+): reserve, connect, complete, delete.

Every change takes the volume's row lock first
(``repo.volumes.lock_for_attachments``) and decides under it, so of two simultaneous attachments of
a volume that takes one, exactly one wins.  The volume's status follows
its attachments: the most advanced non-error one decides (attached →
in-use, attaching → attaching, detaching → detaching, reserved →
reserved; none → available), except that a volume an admin or compute
put in ``detaching`` stays so until an attachment is deleted (the detach
is over: the remaining attachments decide, as cinder does).
"""
from __future__ import annotations

import uuid

import orjson

from nubes.common.timeutils import utcnow
from nubes.volume import exceptions as exc
from nubes.volume.api.service import access
from nubes.volume.repo import attachments as repo
from nubes.volume.repo import volumes as volume_repo
from nubes.volume.repo.attachments import AttachmentRecord
from nubes.volume.repo.volumes import AttachTarget

# Attachment status -> (volume status, volume attach_status), first wins.
_PRECEDENCE = (("attached", "in-use", "attached"), ("attaching", "attaching", "attaching"),
               ("detaching", "detaching", "detaching"), ("reserved", "reserved", "detached"))


def not_found(attachment_id: str) -> exc.NotFound:
    return exc.NotFound(f"Volume attachment could not be found with filter: "
                        f"attachment_id = {attachment_id}.")


def _settle(conn, volume: AttachTarget, statuses: set[str],
            keep_detaching: bool = True) -> None:
    """The volume's status from its attachments' ``statuses`` (as they are
    now, in this transaction).  ``keep_detaching`` False: an attachment was
    just deleted, which ends the detach that put the volume in
    ``detaching`` (the others decide)."""
    for att_status, status, attach_status in _PRECEDENCE:
        if att_status in statuses:
            if keep_detaching and volume.status == "detaching" and status == "in-use":
                status = "detaching"
            break
    else:
        status, attach_status = "available", "detached"
    volume_repo.update(conn, volume.id, {"status": status, "attach_status": attach_status})


def _statuses(volume: AttachTarget, changed: dict[str, str | None]) -> set[str]:
    """The statuses of the volume's attachments with ``changed`` ({id:
    new status}, None: deleted) applied."""
    found = {a.id: a.attach_status for a in volume.attachments}
    found.update(changed)
    return {s for s in found.values() if s is not None}


def _visible_attachment(conn, ctx, attachment_id: str) -> AttachmentRecord:
    found = repo.get(conn, attachment_id)
    if found is None or not access.visible(ctx, found.project_id):
        raise not_found(attachment_id)
    return found


def _lock_volume_of(conn, ctx, attachment_id: str) -> tuple[AttachTarget, AttachmentRecord]:
    """The attachment's volume, locked, and the attachment as it is once
    the lock is held (it must still be there)."""
    attachment = _visible_attachment(conn, ctx, attachment_id)
    volume = volume_repo.lock_for_attachments(conn, attachment.volume_id)
    current = volume and next((a for a in volume.attachments if a.id == attachment_id), None)
    if current is None:
        raise not_found(attachment_id)
    return volume, current


def _check_reserve(volume: AttachTarget, instance_uuid: str | None) -> None:
    if "error" in volume.status:
        raise exc.Invalid(f"Invalid volume: Volume {volume.id} status must be available or "
                          f"downloading to reserve, but the current status is "
                          f"{volume.status}.")
    allowed = {"available", "downloading"}
    if volume.multiattach:
        allowed |= {"in-use", "reserved", "attaching"}
    same_instance = (instance_uuid is not None and volume.status in ("in-use", "reserved")
                     and any(a.instance_uuid == instance_uuid for a in volume.attachments))
    if volume.status not in allowed and not same_instance:
        raise exc.Invalid(f"Invalid volume: Volume {volume.id} status must be available or "
                          f"downloading to reserve, but the current status is "
                          f"{volume.status}.")


def create(state, ctx, volume_id: str, *, instance_uuid: str | None, connector: dict | None,
           mode: str | None) -> AttachmentRecord:
    """Reserve (and with a connector, connect) an attachment.  A
    multiattach volume takes more while it is reserved, attaching or
    in-use, at every microversion from 3.27 (compute pins 3.44, as nova
    does with cinder)."""
    attachment_id = str(uuid.uuid4())

    def work(conn):
        volume = access.check_volume(ctx, volume_repo.lock_for_attachments(conn, volume_id),
                                     volume_id)
        _check_reserve(volume, instance_uuid)
        repo.insert(conn, id=attachment_id, volume_id=volume_id, project_id=volume.project_id,
                    instance_uuid=instance_uuid, attach_status="reserved", attach_mode=mode)
        status = "reserved"
        if connector:
            status = _connect(state, conn, volume, attachment_id, mode, connector)
        _settle(conn, volume, _statuses(volume, {attachment_id: status}))
        return repo.get(conn, attachment_id)
    return state.db.write(work)


def _connect(state, conn, volume: AttachTarget, attachment_id: str, attach_mode: str | None,
             connector: dict) -> str:
    """Connect the attachment; its new status."""
    if "error" in volume.status or volume.status in ("creating", "deleting"):
        raise exc.Conflict(f"Volume {volume.id} is in {volume.status} state; it cannot be "
                           "connected.")
    others = [a for a in volume.attachments if a.id != attachment_id and a.connection_info]
    if others and not volume.multiattach:
        raise exc.Conflict("Duplicate connectors detected when attaching a volume that "
                           "is not multiattach.")
    try:
        info = state.backends.driver_for(volume.host).initialize_connection(
            volume.provider_location, connector)
    except exc.BackendError as error:
        raise exc.Conflict(f"Unable to connect volume {volume.id}: {error}") from None
    mode = connector.get("mode") or attach_mode or "rw"
    flat = {**info.get("data", {}), "access_mode": mode, "encrypted": False,
            "driver_volume_type": info["driver_volume_type"], "attachment_id": attachment_id,
            "enforce_multipath": bool(connector.get("enforce_multipath", False))}
    repo.update(conn, attachment_id, {
        "attach_status": "attaching", "connector": orjson.dumps(connector).decode(),
        "connection_info": orjson.dumps(flat).decode(),
        "attached_host": str(connector.get("host"))[:255] if connector.get("host") else None,
        "mountpoint": str(connector.get("mountpoint") or "na")[:255],
        "attach_mode": mode, "attach_time": utcnow()})
    return "attaching"


def update(state, ctx, attachment_id: str, connector: dict) -> AttachmentRecord:
    def work(conn):
        volume, attachment = _lock_volume_of(conn, ctx, attachment_id)
        status = _connect(state, conn, volume, attachment_id, attachment.attach_mode,
                          connector)
        _settle(conn, volume, _statuses(volume, {attachment_id: status}))
        return repo.get(conn, attachment_id)
    return state.db.write(work)


def complete(db, ctx, attachment_id: str) -> None:
    """No state check, as in cinder (a reserved attachment of a shelved
    server is completed without a connector)."""
    def work(conn):
        volume, attachment = _lock_volume_of(conn, ctx, attachment_id)
        repo.update(conn, attachment_id, {"attach_status": "attached",
                                          "attach_time": attachment.attach_time or utcnow()})
        _settle(conn, volume, _statuses(volume, {attachment_id: "attached"}))
    db.write(work)


def delete(state, ctx, attachment_id: str) -> list[AttachmentRecord]:
    """The volume's remaining attachments."""
    def work(conn):
        volume, attachment = _lock_volume_of(conn, ctx, attachment_id)
        if attachment.connector and volume.host and volume.provider_location:
            try:
                state.backends.driver_for(volume.host).terminate_connection(
                    volume.provider_location, orjson.loads(attachment.connector))
            except exc.BackendError as error:
                raise exc.Conflict(f"Unable to terminate the connection of volume "
                                   f"{volume.id}: {error}") from None
        repo.delete(conn, attachment_id)
        _settle(conn, volume, _statuses(volume, {attachment_id: None}),
                keep_detaching=False)
        return [a for a in volume.attachments if a.id != attachment_id]
    return state.db.write(work)


def get(db, ctx, attachment_id: str) -> AttachmentRecord:
    return db.read(lambda conn: _visible_attachment(conn, ctx, attachment_id))


def list_attachments(db, ctx, filters: dict, sort: list[tuple[str, str]], *, limit: int,
                     offset: int, marker: str | None) -> list[AttachmentRecord]:
    def work(conn):
        marker_record = _visible_attachment(conn, ctx, marker) if marker else None
        return repo.list_attachments(conn, filters, sort, limit, offset, marker_record)
    return db.read(work)
