"""Snapshots on this host: ``createImage``, ``createBackup`` (with its
rotation) and the image a shelve leaves behind.

The API created the image record (queued, owned by the server's project)
and set task_state ``image_snapshot`` / ``image_backup``; here, as the
event ``compute_snapshot_instance`` (``compute_backup_instance``), the task
moves to ``image_pending_upload`` then ``image_uploading`` while the
driver's disk data streams to the image API, and is cleared when the image
is active.  A failure deletes the image and clears the task: the server
itself is unharmed (a fault says what happened).

A backup then keeps the newest ``rotation`` backups of its type for the
server and deletes the older ones.
"""
from __future__ import annotations

import logging
import traceback

from nubes.common.context import RequestContext
from nubes.compute.operations import Host
from nubes.compute.states import TaskState
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState, fault
from nubes.image.client import ImageClientError

LOG = logging.getLogger(__name__)
PENDING_UPLOAD = TaskState.IMAGE_PENDING_UPLOAD
UPLOADING = TaskState.IMAGE_UPLOADING
ROTATION_PAGE = 100     # backups looked at per rotation, newest first


class SnapshotFailed(Exception):
    pass


def upload_disk(host: Host, ctx: RequestContext, instance_uuid: str, image_id: str) -> None:
    """Stream the guest's disk into the (queued) image ``image_id``."""
    if host.images is None:
        raise SnapshotFailed("no image API is configured ([image_client] endpoint)")
    try:
        host.images.upload(image_id, host.driver.snapshot(instance_uuid),
                           token=ctx.auth_token, request_id=ctx.request_id)
    except ImageClientError as exc:
        raise SnapshotFailed(f"uploading image {image_id} failed: {exc}") from None


def delete_image(host: Host, ctx: RequestContext, image_id: str) -> None:
    if host.images is None:
        return
    try:
        host.images.delete(image_id, token=ctx.auth_token, request_id=ctx.request_id)
    except ImageClientError as exc:
        LOG.warning("could not delete image %s: %s", image_id, exc)


def snapshot_instance(host: Host, ctx: RequestContext, *, instance_uuid: str,
                      image_id: str, backup_type: str | None = None,
                      rotation: int | None = None) -> bool:
    backup = backup_type is not None
    event = "compute_backup_instance" if backup else "compute_snapshot_instance"
    task = TaskState.IMAGE_BACKUP if backup else TaskState.IMAGE_SNAPSHOT
    conductor = host.conductor
    with host.locks.hold(instance_uuid):
        conductor.action_event_start(ctx, instance_uuid, event, host=host.name)
        try:
            _step(host, ctx, instance_uuid, [task], PENDING_UPLOAD)
            _step(host, ctx, instance_uuid, [PENDING_UPLOAD], UPLOADING)
            upload_disk(host, ctx, instance_uuid, image_id)
            _step(host, ctx, instance_uuid, [UPLOADING], None)
        except Exception as exc:  # noqa: BLE001 - the image goes, the server stays
            LOG.warning("snapshot of %s failed: %s", instance_uuid, exc)
            delete_image(host, ctx, image_id)
            _fail(host, ctx, instance_uuid, event, exc)
            return False
        conductor.action_event_finish(ctx, instance_uuid, event, host=host.name,
                                      finish_action=True)
    if backup and rotation is not None:
        rotate_backups(host, ctx, instance_uuid, backup_type, rotation)
    return True


def _step(host: Host, ctx: RequestContext, uuid: str, expected: list, task: str | None):
    host.conductor.instance_update(ctx, uuid, {"task_state": task},
                                   expected_task_state=expected)


def _fail(host: Host, ctx: RequestContext, uuid: str, event: str, exc: Exception) -> None:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    try:
        host.conductor.instance_update(
            ctx, uuid, {"task_state": None},
            expected_task_state=[TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP,
                                 PENDING_UPLOAD, UPLOADING],
            fault=fault(500, text, host=host.name))
    except (InstanceNotFound, UnexpectedTaskState):
        pass
    host.conductor.action_event_finish(ctx, uuid, event, host=host.name, error=text)


def rotate_backups(host: Host, ctx: RequestContext, instance_uuid: str, backup_type: str,
                   rotation: int) -> int:
    """Delete the server's backups of ``backup_type`` beyond the newest
    ``rotation``; how many were deleted."""
    if host.images is None:
        return 0
    try:
        found, _more = host.images.list_images(
            [("instance_uuid", instance_uuid), ("backup_type", backup_type),
             ("image_type", "backup"), ("sort_key", "created_at"), ("sort_dir", "desc"),
             ("limit", str(ROTATION_PAGE))],
            token=ctx.auth_token, request_id=ctx.request_id)
    except ImageClientError as exc:
        LOG.warning("rotating backups of %s: %s", instance_uuid, exc)
        return 0
    excess = found[rotation:]
    for image in excess:
        LOG.info("rotating out backup %s of %s", image.id, instance_uuid)
        delete_image(host, ctx, image.id)
    return len(excess)
