"""``createImage`` and ``createBackup``, and the image a shelve leaves.

1. The server's state is checked first (409 before anything is made).
2. A queued image is created in the image API for the caller's project:
   the base image's properties (less the ones a snapshot sets itself),
   ``instance_uuid``, ``user_id``, ``image_type`` (snapshot or backup),
   ``base_image_ref``, ``backup_type``, then the request's metadata (the
   ``metadata_items`` quota bounds it); ``min_ram`` from the base image,
   ``min_disk`` at least the flavor's root disk; the base image's formats.
3. The task starts (``image_snapshot`` / ``image_backup`` and the instance
   action); if it cannot (a racing action won), the image is deleted.
4. The host is asked to upload the guest's disk into it
   (:mod:`nubes.compute.operations.snapshot`).
"""
from __future__ import annotations

import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import metadata_quota, server_tasks
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState
from nubes.image.client import ImageClient, ImageClientError, ImageUnavailable

LOG = logging.getLogger(__name__)
_SNAPSHOT_STATES = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED)
CREATE_IMAGE = Task("createImage", Action.CREATE_IMAGE, _SNAPSHOT_STATES,
                    TaskState.IMAGE_SNAPSHOT)
BACKUP = Task("createBackup", Action.BACKUP, _SNAPSHOT_STATES, TaskState.IMAGE_BACKUP)
# Properties of the base image a snapshot does not inherit: it sets its own.
_NOT_INHERITED = frozenset({"instance_uuid", "user_id", "image_type", "backup_type",
                            "base_image_ref", "image_location", "image_state",
                            "owner_id", "owner_user_name", "owner_project_name"})


def create_image(state: ComputeState, ctx: RequestContext, uuid: str, name: str,
                 metadata: dict[str, str]) -> str:
    """The new image's id."""
    return _snapshot(state, ctx, uuid, CREATE_IMAGE, name, metadata, "snapshot")


def create_backup(state: ComputeState, ctx: RequestContext, uuid: str, name: str,
                  backup_type: str, rotation: int, metadata: dict[str, str]) -> str:
    return _snapshot(state, ctx, uuid, BACKUP, name, metadata, "backup",
                     backup_type=backup_type, rotation=rotation)


def _snapshot(state: ComputeState, ctx: RequestContext, uuid: str, task: Task, name: str,
              metadata: dict[str, str], image_type: str, *, backup_type: str | None = None,
              rotation: int | None = None) -> str:
    located = server_tasks.locate_live(state, uuid, task.verb)
    server_tasks.check(ctx, located, task)
    metadata_quota.check(metadata_quota.limits_of(state, located.instance.project_id),
                         len(metadata))
    extra = {"backup_type": backup_type} if backup_type is not None else {}
    image_id = new_image(state, ctx, located, name, {**extra, **metadata}, image_type)
    try:
        server_tasks.start(state, ctx, uuid, task)
    except exc.ComputeError:
        _delete(_images(state), ctx, image_id)
        raise
    ComputeAPI(state.buses.require(located.cell)).snapshot_instance(
        ctx, located.instance.host, uuid, image_id=image_id, backup_type=backup_type,
        rotation=rotation).send()
    return image_id


def new_image(state: ComputeState, ctx: RequestContext, located: Located, name: str,
              metadata: dict[str, str], image_type: str, *, owner: str | None = None
              ) -> str:
    """A queued image for a snapshot of the server; its id.  ``owner``: the
    project it belongs to (default: the caller's)."""
    images, instance = _images(state), located.instance
    base = None
    if instance.image_ref:
        try:
            base = images.get_image(instance.image_ref, token=ctx.auth_token,
                                    request_id=ctx.request_id)
        except ImageClientError as err:
            LOG.info("base image %s of %s: %s", instance.image_ref, instance.uuid, err)
    inherited = {k: str(v) for k, v in (base.properties if base else {}).items()
                 if k not in _NOT_INHERITED and isinstance(v, (str, int, float, bool))}
    properties = {**inherited, "instance_uuid": instance.uuid,
                  "user_id": ctx.user_id or "", "image_type": image_type,
                  "base_image_ref": instance.image_ref or "", **metadata}
    try:
        created = images.create(
            name=name, disk_format=(base and base.disk_format) or "qcow2",
            container_format=(base and base.container_format) or "bare",
            min_ram=base.min_ram if base else 0,
            min_disk=max(base.min_disk if base else 0, instance.root_gb or 0),
            properties=properties, owner=owner, token=ctx.auth_token,
            request_id=ctx.request_id)
    except ImageUnavailable as err:
        raise exc.Unavailable(f"The image API did not answer: {err}") from None
    except ImageClientError as err:
        if err.status == 403:
            raise exc.Forbidden(str(err)) from None
        raise exc.Invalid(f"The image could not be created: {err}") from None
    return created.id


def _images(state: ComputeState) -> ImageClient:
    if state.images is None:
        raise exc.Unavailable("Snapshots need the image API ([image_client] endpoint).")
    return state.images


def _delete(images: ImageClient, ctx: RequestContext, image_id: str) -> None:
    try:
        images.delete(image_id, token=ctx.auth_token, request_id=ctx.request_id)
    except ImageClientError as err:
        LOG.warning("could not delete image %s: %s", image_id, err)
