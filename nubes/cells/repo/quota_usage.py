"""SQL for counted quotas: what a project's servers use (instances, cores,
RAM), in one cell database and in the API database's build requests; how
many live servers of a user a server group holds.

A server the super-conductor's quota recheck refused is buried in cell0 in
ERROR (the user sees it, with its fault) and marked with the system
metadata key :data:`NOT_COUNTED` (:func:`mark_not_counted`): it never
held anything, and counting it until it is deleted (as OpenStack compute
does) would let the losers of a race push its winners out.  :func:`in_cell`
leaves marked instances out."""
from __future__ import annotations

import datetime
from collections.abc import Collection

import sqlalchemy as sa

from nubes.cells.api_db.models import build_requests as br
from nubes.cells.api_db.models import instance_group_member as igm
from nubes.cells.api_db.models import instance_groups as ig
from nubes.cells.api_db.models import instance_mappings as im
from nubes.cells.cell_db.models import instance_system_metadata as sysmeta
from nubes.cells.cell_db.models import instances as inst
from nubes.cells.repo.build_requests import decode_instance

SOFT_DELETED = "soft-delete"
# System metadata of an instance the quota recheck refused: not counted.
NOT_COUNTED = "nubes_quota_not_counted"

_MARKED = (sa.select(sysmeta.c.id)
           .where(sysmeta.c.instance_uuid == inst.c.uuid, sysmeta.c.key == NOT_COUNTED,
                  sysmeta.c.deleted == 0)
           .exists())


def in_cell(conn: sa.Connection, project_id: str, *,
            excluding: Collection[str] = (), user_id: str | None = None) -> dict[str, int]:
    """Live, not soft-deleted, not hidden instances of ``project_id`` (of
    ``user_id`` in it, when given) that the quota recheck did not refuse;
    none of ``excluding`` (uuids the caller has counted already, as build
    requests)."""
    query = sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(inst.c.vcpus), 0),
        sa.func.coalesce(sa.func.sum(inst.c.memory_mb), 0),
    ).where(inst.c.project_id == project_id, inst.c.deleted == 0,
            sa.or_(inst.c.vm_state.is_(None), inst.c.vm_state != SOFT_DELETED),
            sa.or_(inst.c.hidden.is_(None), inst.c.hidden == sa.false()),
            ~_MARKED)
    if excluding:
        query = query.where(inst.c.uuid.not_in(sorted(excluding)))
    if user_id is not None:
        query = query.where(inst.c.user_id == user_id)
    row = conn.execute(query).one()
    # int(): MySQL answers SUM() as Decimal.
    return {"instances": int(row[0]), "cores": int(row[1]), "ram": int(row[2])}


def mark_not_counted(conn: sa.Connection, instance_uuid: str,
                     now: datetime.datetime) -> None:
    """Leave the instance out of every count from now on (a cell database
    write, in the transaction that creates it)."""
    conn.execute(sa.insert(sysmeta).values(instance_uuid=instance_uuid, key=NOT_COUNTED,
                                           value="1", created_at=now))


def in_build_requests(conn: sa.Connection, project_id: str, *, up_to_id: int | None = None,
                      user_id: str | None = None) -> tuple[dict[str, int], set[str]]:
    """Servers accepted but not in a cell yet (their flavor's vcpus and
    memory, and their user, are in the serialized instance), and their
    uuids; only build requests whose id is at most ``up_to_id`` and of
    ``user_id``, when given."""
    used = {"instances": 0, "cores": 0, "ram": 0}
    uuids: set[str] = set()
    query = sa.select(br.c.instance_uuid, br.c.instance).where(br.c.project_id == project_id)
    if up_to_id is not None:
        query = query.where(br.c.id <= up_to_id)
    for uuid, text in conn.execute(query):
        values = decode_instance(text)
        if user_id is not None and values.get("user_id") != user_id:
            continue
        uuids.add(uuid)
        used["instances"] += 1
        used["cores"] += int(values.get("vcpus") or 0)
        used["ram"] += int(values.get("memory_mb") or 0)
    return used, uuids


def build_request_ids(conn: sa.Connection, instance_uuids: list[str]) -> list[int]:
    """Ids of the build requests still there among ``instance_uuids``."""
    if not instance_uuids:
        return []
    return list(conn.scalars(sa.select(br.c.id).where(br.c.instance_uuid.in_(instance_uuids))))


def lock_group(conn: sa.Connection, group_id: int) -> None:
    """Serialise member additions to one group (row lock where the backend
    has them; SQLite writers are serialised anyway)."""
    conn.execute(sa.select(ig.c.id).where(ig.c.id == group_id).with_for_update())


def group_members(conn: sa.Connection, group_id: int, user_id: str | None) -> int:
    """Members of the group that belong to ``user_id`` and are not
    deleted (their instance mapping is not queued for delete)."""
    query = (sa.select(sa.func.count()).select_from(
        igm.join(im, im.c.instance_uuid == igm.c.instance_uuid))
        .where(igm.c.group_id == group_id, im.c.queued_for_delete == sa.false()))
    if user_id is not None:
        query = query.where(im.c.user_id == user_id)
    return conn.execute(query).scalar_one()
