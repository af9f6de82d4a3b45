"""Volume create: the type, zone, quota and pool are settled and the row
written (``creating``) in one transaction; the backend makes the volume
afterwards on a worker thread and the volume becomes ``available``, or
``error`` with the reason when no pool fits or the backend fails."""
from __future__ import annotations

import dataclasses
import logging
import uuid

from nubes.common.timeutils import utcnow
from nubes.volume import exceptions as exc
from nubes.volume.api.service import quota, volume_types
from nubes.volume.api.service.backend_work import BackendWork
from nubes.volume.backends import pool_choice
from nubes.volume.repo import locks
from nubes.volume.repo import volumes as repo

LOG = logging.getLogger(__name__)
NO_VALID_BACKEND = "No valid backend was found. No weighed backends available"


@dataclasses.dataclass(frozen=True)
class NewVolume:
    size: int
    name: str | None = None
    description: str | None = None
    volume_type: str | None = None
    availability_zone: str | None = None
    metadata: dict = dataclasses.field(default_factory=dict)


def _zone(state, requested: str | None) -> str:
    conf = state.conf
    zones = {p.availability_zone for p in state.work.backends.pools()}
    zone = (requested or conf.volume.default_availability_zone
            or conf.volume.storage_availability_zone)
    if requested is not None and requested not in zones:
        raise exc.Invalid(f"Invalid input received: Availability zone '{requested}' is "
                          "invalid.")
    return zone


def create(state, ctx, new: NewVolume) -> repo.VolumeRecord:
    conf = state.conf
    zone = _zone(state, new.availability_zone)
    all_pools = state.work.backends.pools()
    volume_id = str(uuid.uuid4())

    def work(conn):
        vtype = (volume_types.visible_type(conn, ctx, new.volume_type) if new.volume_type
                 else volume_types.default_type(conn, conf))
        locks.lock_project(conn, ctx.project_id)
        quota.check(conn, conf, ctx.project_id, vtype.name, volumes=1, gigabytes=new.size,
                    size=new.size)
        pools = pool_choice.candidates(all_pools, zone=zone,
                                       backend_name=vtype.extra_specs.get(
                                           volume_types.BACKEND_SPEC))
        for pool in sorted(p.name for p in pools):
            locks.lock_pool(conn, pool)
        chosen = pool_choice.choose(pools, repo.allocated_gb(conn, [p.name for p in pools]),
                                    new.size)
        repo.insert(conn, {
            "id": volume_id, "project_id": ctx.project_id, "user_id": ctx.user_id,
            "name": new.name, "description": new.description, "size": new.size,
            "status": "creating" if chosen else "error", "attach_status": "detached",
            "volume_type_id": vtype.id, "availability_zone": zone,
            "host": chosen.name if chosen else None,
            "multiattach": volume_types.is_multiattach(vtype),
            "error_message": None if chosen else NO_VALID_BACKEND,
        }, new.metadata)
        return repo.get(conn, volume_id)
    record = state.db.write(work)
    if record.host is not None:
        state.work.submit(make_on_backend, volume_id)
    else:
        LOG.warning("volume %s: %s", volume_id, NO_VALID_BACKEND)
    return record


def make_on_backend(work: BackendWork, volume_id: str) -> None:
    """Have the backend make the volume; available, or error with the reason."""
    record = work.db.read(lambda conn: repo.get(conn, volume_id))
    if record is None or record.status != "creating":
        return
    try:
        driver = work.backends.driver_for(record.host)
        location = driver.create_volume(volume_id, record.size, record.host.partition("#")[2])
    except exc.BackendError as error:
        reason = str(error)[:1024]
        LOG.error("volume %s could not be created: %s", volume_id, error)
        work.db.write(lambda conn: repo.update(conn, volume_id, {
            "status": "error", "error_message": reason}, statuses=("creating",)))
        return
    work.db.write(lambda conn: repo.update(conn, volume_id, {
        "status": "available", "provider_location": location, "launched_at": utcnow()},
        statuses=("creating",)))
