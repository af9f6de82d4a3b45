"""SQL for server groups (instance groups), their policy and members (API
database).  One policy row per group: the policy name plus its rules as
JSON text."""
from __future__ import annotations

import json

import sqlalchemy as sa

from nubes.cells.api_db.models import instance_group_member as igm
from nubes.cells.api_db.models import instance_group_policy as igp
from nubes.cells.api_db.models import instance_groups as ig
from nubes.cells.api_db.models import instance_mappings as im
from nubes.cells.records import ServerGroupRecord
from nubes.common.timeutils import utcnow


def _load(conn: sa.Connection, where=None, *, limit: int | None = None,
          offset: int = 0, live_members: bool = False) -> list[ServerGroupRecord]:
    query = sa.select(ig).order_by(ig.c.id)
    if where is not None:
        query = query.where(where)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    rows = list(conn.execute(query))
    if not rows:
        return []
    ids = [r.id for r in rows]
    policies: dict[int, tuple[str | None, dict]] = {}
    members: dict[int, list[str]] = {i: [] for i in ids}
    for r in conn.execute(sa.select(igp.c.group_id, igp.c.policy, igp.c.rules)
                          .where(igp.c.group_id.in_(ids)).order_by(igp.c.id)):
        policies.setdefault(r.group_id, (r.policy, json.loads(r.rules) if r.rules else {}))
    for r in conn.execute(_members_query(ids, live_members)):
        members[r.group_id].append(r.instance_uuid)
    return [ServerGroupRecord(id=r.id, uuid=r.uuid, name=r.name, user_id=r.user_id,
                              project_id=r.project_id,
                              policy=policies.get(r.id, (None, {}))[0],
                              rules=policies.get(r.id, (None, {}))[1],
                              members=tuple(members[r.id]), created_at=r.created_at)
            for r in rows]


def _members_query(ids: list[int], live_only: bool):
    """Members in the order they joined; ``live_only``: those whose server
    still exists (an instance mapping not queued for delete: deleted
    servers stay in the member table, as in OpenStack, but are no longer
    members to show)."""
    query = sa.select(igm.c.group_id, igm.c.instance_uuid).where(igm.c.group_id.in_(ids))
    if live_only:
        query = query.join(im, im.c.instance_uuid == igm.c.instance_uuid).where(
            im.c.queued_for_delete == sa.false())
    return query.order_by(igm.c.id)


def get(conn: sa.Connection, group_uuid: str, *,
        live_members: bool = False) -> ServerGroupRecord | None:
    found = _load(conn, ig.c.uuid == group_uuid, live_members=live_members)
    return found[0] if found else None


def list_groups(conn: sa.Connection, *, project_id: str | None, limit: int | None = None,
                offset: int = 0, live_members: bool = False) -> list[ServerGroupRecord]:
    """Every project's groups when ``project_id`` is None."""
    where = None if project_id is None else ig.c.project_id == project_id
    return _load(conn, where, limit=limit, offset=offset, live_members=live_members)


def count(conn: sa.Connection, project_id: str, user_id: str | None = None) -> int:
    """The project's groups (those ``user_id`` made, when given)."""
    query = sa.select(sa.func.count()).select_from(ig).where(ig.c.project_id == project_id)
    if user_id is not None:
        query = query.where(ig.c.user_id == user_id)
    return conn.execute(query).scalar_one()


def create(conn: sa.Connection, *, uuid: str, name: str, user_id: str | None,
           project_id: str | None, policy: str, rules: dict) -> None:
    now = utcnow()
    group_id = conn.execute(sa.insert(ig).values(
        uuid=uuid, name=name, user_id=user_id, project_id=project_id, created_at=now)
    ).inserted_primary_key[0]
    conn.execute(sa.insert(igp).values(group_id=group_id, policy=policy,
                                       rules=json.dumps(rules) if rules else None,
                                       created_at=now))


def delete(conn: sa.Connection, group_id: int) -> int:
    conn.execute(sa.delete(igm).where(igm.c.group_id == group_id))
    conn.execute(sa.delete(igp).where(igp.c.group_id == group_id))
    return conn.execute(sa.delete(ig).where(ig.c.id == group_id)).rowcount


def add_members(conn: sa.Connection, group_id: int, instance_uuids: list[str]) -> None:
    """For the boot path: put instances in a group."""
    if instance_uuids:
        now = utcnow()
        conn.execute(sa.insert(igm), [{"group_id": group_id, "instance_uuid": u,
                                       "created_at": now} for u in instance_uuids])
