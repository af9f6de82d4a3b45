"""``os-volume_upload_image``: a new image with the volume's bytes.  The
image record is made (queued) through the image API while the request
waits; the volume is ``uploading`` until the volume manager has streamed its data
into the image, then back to what it was (``available`` or ``in-use``).
A failed upload deletes the image and gives the volume its status back.
Also the volume's image metadata (``os-set/unset/show_image_metadata``)."""
from __future__ import annotations

import dataclasses
import logging

from nubes.volume import exceptions as exc
from nubes.volume import images as image_data
from nubes.volume.api.service import access, volume_types
from nubes.volume.repo import volumes as repo

LOG = logging.getLogger(__name__)
# Image metadata a new image does not take over from its volume.
NOT_COPIED = frozenset({"image_id", "image_name", "size", "checksum", "min_ram", "min_disk",
                        "disk_format", "container_format", "owner", "visibility",
                        "protected", "status", "virtual_size", "os_hash_algo",
                        "os_hash_value"})


@dataclasses.dataclass(frozen=True)
class Upload:
    image_name: str
    disk_format: str
    container_format: str
    force: bool = False
    visibility: str | None = None
    protected: bool = False


def _check_status(record, force: bool) -> None:
    if record.status not in ("available", "in-use"):
        raise exc.Invalid("Invalid volume: Volume status must be available/in-use.")
    if record.status == "in-use" and not force:
        raise exc.Invalid("Invalid volume: Volume status is in-use.")
    if not record.host or not record.provider_location:   # e.g. an error volume reset
        raise exc.Invalid(f"Invalid volume: Volume {record.id} has no data.")


def upload(state, ctx, volume_id: str, request: Upload, *, token: str | None) -> dict:
    """Start the upload; cinder's ``os-volume_upload_image`` answer."""
    record = access.check_volume(ctx, state.db.read(lambda conn: repo.get(conn, volume_id)),
                                 volume_id)
    _check_status(record, request.force)
    properties = {k: v for k, v in record.image_metadata.items() if k not in NOT_COPIED}
    image = image_data.create_image(
        state.images, name=request.image_name, disk_format=request.disk_format,
        container_format=request.container_format, visibility=request.visibility,
        protected=request.protected, min_disk=record.size, properties=properties,
        token=token, request_id=getattr(ctx, "request_id", None))

    def work(conn):
        current = access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        _check_status(current, request.force)
        repo.update(conn, volume_id, {"status": "uploading"})
        return current, volume_types.type_by_id(conn, current.volume_type_id)
    try:
        current, vtype = state.db.write(work)
    except exc.VolumeError:
        image_data.delete_image(state.images, image.id, token=token)
        raise
    state.managers.upload_volume(ctx, current.host, volume_id, image.id, current.status,
                                 request.disk_format, token)
    return {"id": volume_id, "updated_at": current.updated_at, "status": "uploading",
            "display_description": current.description, "size": current.size,
            "volume_type": vtype, "image_id": image.id,
            "container_format": request.container_format,
            "disk_format": request.disk_format, "image_name": request.image_name,
            "visibility": request.visibility or "private", "protected": request.protected}


def set_image_metadata(db, ctx, volume_id: str, changes: dict[str, str | None]
                       ) -> dict[str, str]:
    """Set (None: remove) keys of the volume's image metadata; all of it."""
    def work(conn):
        record = access.check_volume(ctx, repo.get(conn, volume_id, lock=True), volume_id)
        for key, value in changes.items():
            if value is None and key not in record.image_metadata:
                raise exc.NotFound(f"Glance metadata for volume {volume_id} with key {key} "
                                   "could not be found.")
        repo.set_image_metadata(conn, volume_id, changes)
        return repo.get(conn, volume_id).image_metadata
    return db.write(work)
