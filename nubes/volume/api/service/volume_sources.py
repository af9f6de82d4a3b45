"""What a new volume is made from: a snapshot, another volume (a clone)
or an image.  :func:`resolve` checks the source in the create's
transaction (locking a snapshot's or volume's row, so it cannot be
deleted meanwhile) and says the size, type and pool it imposes;
:mod:`nubes.volume.manager` has the backend copy the data afterwards."""
from __future__ import annotations

import dataclasses
import math

from nubes.volume import exceptions as exc
from nubes.volume import images as image_data
from nubes.volume.api.service import access, snapshots
from nubes.volume.backends.base import GiB
from nubes.volume.repo import snapshots as snapshot_repo
from nubes.volume.repo import volumes as volume_repo

Image = image_data.Image


@dataclasses.dataclass(frozen=True)
class Source:
    min_size: int                       # GB the new volume needs at least
    default_size: int | None            # GB when the request gave none
    type_id: str | None = None          # the new volume's type unless one was asked for
    host: str | None = None             # the pool the data is in: the volume goes there
    location: str | None = None         # the data's location in that pool
    image: Image | None = None
    values: dict = dataclasses.field(default_factory=dict)   # columns of the new row


def _from_snapshot(conn, ctx, snapshot_id: str) -> Source:
    snap = snapshot_repo.get(conn, snapshot_id, lock=True)
    snap = snapshots.check(ctx, snap, snapshot_id)
    if snap.status != "available" or not snap.provider_location:
        raise exc.Invalid("Invalid snapshot: Originating snapshot status must be one of "
                          "'available' values")
    return Source(min_size=snap.size, default_size=snap.size, type_id=snap.volume_type_id,
                  host=snap.host, location=snap.provider_location,
                  values={"snapshot_id": snap.id})


def _from_volume(conn, ctx, volume_id: str) -> Source:
    source = access.check_volume(ctx, volume_repo.get(conn, volume_id, lock=True), volume_id)
    if source.status not in ("available", "in-use"):
        raise exc.Invalid(f"Invalid volume: Source volume status must be available or in-use, "
                          f"but current status is: {source.status}.")
    if not source.provider_location:     # e.g. an error volume an admin reset
        raise exc.Invalid(f"Invalid volume: Source volume {source.id} has no data.")
    return Source(min_size=source.size, default_size=source.size,
                  type_id=source.volume_type_id, host=source.host,
                  location=source.provider_location,
                  values={"source_volid": source.id, "bootable": source.bootable},
                  image=_image_of(source))


def _image_of(volume) -> Image | None:
    """A clone keeps its source's image metadata (and bootable flag)."""
    if not volume.image_metadata:
        return None
    return Image(id=volume.image_metadata.get("image_id", ""), status="active", size=None,
                 min_disk=0, disk_format=None, container_format=None,
                 metadata=dict(volume.image_metadata))


def _from_image(image: Image) -> Source:
    if image.status != "active":
        raise exc.Invalid(f"Invalid input received: Image {image.id} is not active.")
    image_gb = math.ceil((image.size or 0) / GiB)
    return Source(min_size=max(image_gb, image.min_disk, 1),
                  default_size=max(image_gb, image.min_disk, 1), image=image,
                  values={"bootable": True})


def resolve(conn, ctx, *, snapshot_id: str | None, source_volid: str | None,
            image: Image | None) -> Source | None:
    """The source of a new volume (None: a blank volume); at most one."""
    given = [s for s in (snapshot_id, source_volid, image) if s]
    if len(given) > 1:
        raise exc.Invalid("Invalid input received: Cannot create a volume from more than one "
                          "source (snapshot_id, source_volid, imageRef).")
    if snapshot_id:
        return _from_snapshot(conn, ctx, snapshot_id)
    if source_volid:
        return _from_volume(conn, ctx, source_volid)
    if image is not None:
        return _from_image(image)
    return None


def check_size(source: Source, size: int) -> None:
    """The 400 when ``size`` cannot hold the source."""
    if source.values.get("snapshot_id") and size < source.min_size:
        raise exc.Invalid(f"Invalid input received: Volume size '{size}'GB cannot be smaller "
                          f"than the snapshot size {source.min_size}GB. They must be >= "
                          "original snapshot size.")
    if source.values.get("source_volid") and size < source.min_size:
        raise exc.Invalid(f"Invalid input received: Volume size '{size}'GB cannot be smaller "
                          f"than original volume size {source.min_size}GB. They must be >= "
                          "original volume size.")
    image = source.image
    if image is not None and not source.values.get("source_volid"):
        image_gb = math.ceil((image.size or 0) / GiB)
        if size < image_gb:
            raise exc.Invalid(f"Invalid input received: Size of specified image {image_gb}GB "
                              f"is larger than volume size {size}GB.")
        if size < image.min_disk:
            raise exc.Invalid(f"Invalid input received: Volume size {size}GB cannot be "
                              f"smaller than the image minDisk size {image.min_disk}GB.")
