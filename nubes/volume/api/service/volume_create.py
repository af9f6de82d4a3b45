"""Volume create: the source (:mod:`.volume_sources`), type, zone, quota
and pool are settled and the row written (``creating``) in one
transaction; the volume manager has the backend make the volume
afterwards (copying a snapshot's or volume's data, or writing an image's:
``downloading`` meanwhile) and the volume becomes ``available``, or
``error`` with the reason when no pool fits or the backend fails."""
from __future__ import annotations

import dataclasses
import logging
import uuid

from nubes.volume import exceptions as exc
from nubes.volume import images as image_data
from nubes.volume.api.service import quota, volume_sources, volume_types
from nubes.volume.backends import pool_choice
from nubes.volume.manager.messages import Fill, ImageRef
from nubes.volume.repo import locks
from nubes.volume.repo import volumes as repo

LOG = logging.getLogger(__name__)
NO_VALID_BACKEND = "No valid backend was found. No weighed backends available"


@dataclasses.dataclass(frozen=True)
class NewVolume:
    size: int | None        # None: the source's size
    name: str | None = None
    description: str | None = None
    volume_type: str | None = None
    availability_zone: str | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    snapshot_id: str | None = None
    source_volid: str | None = None
    image_id: str | None = None


def _zone(state, requested: str | None) -> str:
    conf = state.conf
    zones = {p.availability_zone for p in state.backends.pools()}
    zone = (requested or conf.volume.default_availability_zone
            or conf.volume.storage_availability_zone)
    if requested is not None and requested not in zones:
        raise exc.Invalid(f"Invalid input received: Availability zone '{requested}' is "
                          "invalid.")
    return zone


def _volume_type(conn, ctx, conf, new: NewVolume, source):
    if new.volume_type:
        return volume_types.visible_type(conn, ctx, new.volume_type)
    if source is not None and source.type_id:
        return volume_types.type_by_id(conn, source.type_id)
    return volume_types.default_type(conn, conf)


def _size(new: NewVolume, source) -> int:
    size = new.size if new.size is not None else (source and source.default_size)
    if size is None:
        raise exc.Invalid("Invalid input received: size is required.")
    if source is not None:
        volume_sources.check_size(source, size)
    return size


def create(state, ctx, new: NewVolume, *, token: str | None = None) -> repo.VolumeRecord:
    conf = state.conf
    zone = _zone(state, new.availability_zone)
    all_pools = state.backends.pools()
    volume_id = str(uuid.uuid4())
    image = None
    if new.image_id:
        image = image_data.lookup(state.images, new.image_id, token=token,
                                  request_id=getattr(ctx, "request_id", None))

    def work(conn):
        source = volume_sources.resolve(conn, ctx, snapshot_id=new.snapshot_id,
                                        source_volid=new.source_volid, image=image)
        size = _size(new, source)
        vtype = _volume_type(conn, ctx, conf, new, source)
        locks.lock_project(conn, ctx.project_id)
        quota.check(conn, conf, ctx.project_id, vtype.name, volumes=1, gigabytes=size,
                    size=size)
        pools = pool_choice.candidates(all_pools, zone=zone,
                                       backend_name=vtype.extra_specs.get(
                                           volume_types.BACKEND_SPEC))
        if source is not None and source.host is not None:
            pools = [p for p in pools if p.name == source.host]   # the data is there
        for pool in sorted(p.name for p in pools):
            locks.lock_pool(conn, pool)
        chosen = pool_choice.choose(pools, repo.allocated_gb(conn, [p.name for p in pools]),
                                    size)
        repo.insert(conn, {
            "id": volume_id, "project_id": ctx.project_id, "user_id": ctx.user_id,
            "name": new.name, "description": new.description, "size": size,
            "status": "creating" if chosen else "error", "attach_status": "detached",
            "volume_type_id": vtype.id, "availability_zone": zone,
            "host": chosen.name if chosen else None,
            "multiattach": volume_types.is_multiattach(vtype),
            "error_message": None if chosen else NO_VALID_BACKEND,
            **(source.values if source else {}),
        }, new.metadata)
        if source is not None and source.image is not None:
            repo.set_image_metadata(conn, volume_id, source.image.metadata)
        return repo.get(conn, volume_id), source
    record, source = state.db.write(work)
    if record.host is not None:
        image = source.image if source and not source.location else None
        fill = Fill(location=source and source.location,
                    image=image and ImageRef(image.id, image.disk_format),
                    token=token, request_id=getattr(ctx, "request_id", None))
        state.managers.create_volume(ctx, record.host, volume_id, fill)
    else:
        LOG.warning("volume %s: %s", volume_id, NO_VALID_BACKEND)
    return record
