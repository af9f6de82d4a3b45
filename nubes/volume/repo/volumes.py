"""SQL for volumes and their user metadata."""
from __future__ import annotations

import dataclasses
import datetime

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.volume.models import volume_image_metadata as vim
from nubes.volume.models import volume_metadata as vm
from nubes.volume.models import volume_types as vt
from nubes.volume.models import volumes as v
from nubes.volume.repo import attachments as attachment_repo
from nubes.volume.repo import paging
from nubes.volume.repo import rows as shared_rows

FIELDS = ("id", "project_id", "user_id", "name", "description", "size", "status",
          "attach_status", "migration_status", "volume_type_id", "availability_zone",
          "host", "provider_location", "bootable", "multiattach", "error_message",
          "launched_at", "snapshot_id", "source_volid", "created_at", "updated_at")


@dataclasses.dataclass(frozen=True)
class VolumeRecord:
    id: str
    project_id: str
    user_id: str | None
    name: str | None
    description: str | None
    size: int
    status: str
    attach_status: str
    migration_status: str | None
    volume_type_id: str
    availability_zone: str
    host: str | None
    provider_location: str | None
    bootable: bool
    multiattach: bool
    error_message: str | None
    launched_at: datetime.datetime | None
    snapshot_id: str | None
    source_volid: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime | None
    volume_type_name: str
    metadata: dict[str, str]
    attachments: tuple[attachment_repo.AttachmentRecord, ...]
    image_metadata: dict[str, str] = dataclasses.field(default_factory=dict)


_SELECT = sa.select(v, vt.c.name.label("volume_type_name")).join(vt, vt.c.id == v.c.volume_type_id)


_BY_ID = _SELECT.where(v.c.id == sa.bindparam("volume_id"))
_LOCK_ID = sa.select(v.c.id).where(v.c.id == sa.bindparam("volume_id")).with_for_update()
_KEY_VALUES_OF = {t: sa.select(t.c.volume_id, t.c.key, t.c.value)
                  .where(t.c.volume_id == sa.bindparam("volume_id")) for t in (vm, vim)}


def _records(conn: sa.Connection, rows) -> list[VolumeRecord]:
    rows = list(rows)
    if not rows:
        return []
    ids = [r.id for r in rows]
    if len(ids) == 1:       # one volume (show, compute's calls): statements built once
        params = {"volume_id": ids[0]}
        meta, image = ({ids[0]: {r.key: r.value for r in conn.execute(_KEY_VALUES_OF[t],
                                                                       params)}}
                       for t in (vm, vim))
        attached = {ids[0]: attachment_repo.of_volume(conn, ids[0])}
    else:
        meta = _key_values(conn, vm, ids)
        image = _key_values(conn, vim, ids)
        attached = attachment_repo.of_volumes(conn, ids)
    keys = rows[0]._fields
    at = [keys.index(f) for f in (*FIELDS, "volume_type_name")]   # by position: faster
    return [VolumeRecord(*[r[i] for i in at], metadata=meta[r.id],
                         attachments=tuple(attached[r.id]), image_metadata=image[r.id])
            for r in rows]


def _key_values(conn: sa.Connection, table: sa.Table, ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict[str, str]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        for r in conn.execute(sa.select(table.c.volume_id, table.c.key, table.c.value)
                              .where(table.c.volume_id.in_(ids[start:start + 500]))):
            found[r.volume_id][r.key] = r.value
    return found


def get(conn: sa.Connection, volume_id: str, *, lock: bool = False) -> VolumeRecord | None:
    """The volume; ``lock`` holds its row until the transaction ends (every
    change of its attachments takes it first)."""
    if lock:
        if conn.execute(_LOCK_ID, {"volume_id": volume_id}).first() is None:
            return None
    found = _records(conn, conn.execute(_BY_ID, {"volume_id": volume_id}))
    return found[0] if found else None


@dataclasses.dataclass(frozen=True)
class AttachTarget:
    """What a change of a volume's attachments decides on: a few of the
    volume's columns and its attachments, read under its row lock."""
    id: str
    project_id: str
    status: str
    attach_status: str
    host: str | None
    provider_location: str | None
    multiattach: bool
    attachments: tuple[attachment_repo.AttachmentRecord, ...]


_TARGET = (sa.select(v.c.id, v.c.project_id, v.c.status, v.c.attach_status, v.c.host,
                     v.c.provider_location, v.c.multiattach)
           .where(v.c.id == sa.bindparam("volume_id")).with_for_update())


def lock_for_attachments(conn: sa.Connection, volume_id: str, *,
                         attachments: bool = True) -> AttachTarget | None:
    """The volume's row locked until the transaction ends (every change of
    its attachments takes it first), with its attachments (``attachments``
    False: without them, one query)."""
    row = conn.execute(_TARGET, {"volume_id": volume_id}).first()
    if row is None:
        return None
    return AttachTarget(id=row.id, project_id=row.project_id, status=row.status,
                        attach_status=row.attach_status, host=row.host,
                        provider_location=row.provider_location,
                        multiattach=bool(row.multiattach),
                        attachments=tuple(attachment_repo.of_volume(conn, volume_id))
                        if attachments else ())


# Columns volumes may be sorted by (nullable text sorts as "").
SORT_COLUMNS = {
    "id": v.c.id, "name": sa.func.coalesce(v.c.name, ""), "status": v.c.status,
    "size": v.c.size, "created_at": v.c.created_at, "availability_zone": v.c.availability_zone,
    "bootable": v.c.bootable, "project_id": v.c.project_id,
    "volume_type": v.c.volume_type_id,
}


def where_clauses(filters: dict) -> list:
    """See :func:`.paging.filter_clauses`; ``volume_type`` is a type's name or id."""
    return paging.filter_clauses(v, vm.c.volume_id, filters, {
        "volume_type": lambda value: sa.or_(v.c.volume_type_id == value, vt.c.name == value)})


def page(conn: sa.Connection, filters: dict, sort: list[tuple[str, str]], *,
         limit: int, offset: int, marker: VolumeRecord | None) -> list[VolumeRecord]:
    marker_value = (None if marker is None else
                    paging.attribute_value(marker, {"volume_type": "volume_type_id"}))
    query = paging.page_query(_SELECT.where(*where_clauses(filters)), SORT_COLUMNS, sort,
                              limit=limit, offset=offset, marker_value=marker_value)
    return _records(conn, conn.execute(query))


def count(conn: sa.Connection, filters: dict) -> int:
    query = (sa.select(sa.func.count()).select_from(v.join(vt, vt.c.id == v.c.volume_type_id))
             .where(*where_clauses(filters)))
    return int(conn.scalar(query))


def insert(conn: sa.Connection, values: dict, metadata: dict[str, str]) -> None:
    now = utcnow()
    conn.execute(sa.insert(v).values(**values, created_at=now))
    set_metadata(conn, values["id"], metadata)


def update(conn: sa.Connection, volume_id: str, values: dict, *,
           statuses: tuple[str, ...] | None = None) -> int:
    """See :func:`.rows.update`."""
    return shared_rows.update(conn, v, volume_id, values, statuses)


def delete(conn: sa.Connection, volume_id: str) -> int:
    conn.execute(sa.delete(vm).where(vm.c.volume_id == volume_id))
    conn.execute(sa.delete(vim).where(vim.c.volume_id == volume_id))
    return conn.execute(sa.delete(v).where(v.c.id == volume_id)).rowcount


def set_metadata(conn: sa.Connection, volume_id: str, changes: dict[str, str | None]) -> None:
    shared_rows.set_metadata(conn, vm.c.volume_id, volume_id, changes)


def replace_metadata(conn: sa.Connection, volume_id: str, metadata: dict[str, str]) -> None:
    shared_rows.replace_metadata(conn, vm.c.volume_id, volume_id, metadata)


def set_image_metadata(conn: sa.Connection, volume_id: str,
                       changes: dict[str, str | None]) -> None:
    shared_rows.set_metadata(conn, vim.c.volume_id, volume_id, changes)


def usage(conn: sa.Connection, project_id: str) -> dict[str, tuple[int, int]]:
    """Per volume type name: (volumes, gigabytes) the project holds,
    counted from its volumes in every state."""
    rows = conn.execute(sa.select(vt.c.name, sa.func.count(), sa.func.sum(v.c.size))
                        .select_from(v.join(vt, vt.c.id == v.c.volume_type_id))
                        .where(v.c.project_id == project_id).group_by(vt.c.name))
    # MySQL returns SUM() as Decimal.
    return {r[0]: (int(r[1]), int(r[2] or 0)) for r in rows}


def allocated_gb(conn: sa.Connection, hosts: list[str]) -> dict[str, int]:
    """Gigabytes of volumes placed in each pool of ``hosts``."""
    found = {h: 0 for h in hosts}
    for host, size in conn.execute(sa.select(v.c.host, sa.func.sum(v.c.size))
                                   .where(v.c.host.in_(hosts)).group_by(v.c.host)):
        found[host] = int(size or 0)
    return found


def any_in_status(conn: sa.Connection, statuses: tuple[str, ...]) -> bool:
    """Whether a row is in one of ``statuses`` (a manager still owes it work)."""
    return conn.execute(sa.select(v.c.id).where(v.c.status.in_(statuses))
                        .limit(1)).first() is not None
