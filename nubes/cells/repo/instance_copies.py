"""SQL for what moves with an instance from one cell database to another
(a move across cells): the instance row, its metadata and system
metadata, tags, faults, and its instance actions with their events.

``export`` reads it all on the source's connection; ``import_rows``
writes it on the target's with new ids (events follow their actions), and
leaves out actions the target already has (a revert brings back only the
actions recorded while the server was away).  Callers own transactions.
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import sqlalchemy as sa

from nubes.cells.cell_db.models import (
    instance_actions,
    instance_actions_events,
    instance_faults,
    instance_metadata,
    instance_system_metadata,
    instances,
    tags,
)


@dataclasses.dataclass
class InstanceCopy:
    instance: dict[str, Any]
    metadata: list[dict]
    system_metadata: list[dict]
    tags: list[str]
    faults: list[dict]
    actions: list[dict]
    events: list[dict]


def _rows(conn: sa.Connection, table: sa.Table, where) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(table).where(where)
                                                    .order_by(table.c.id))]


def export(conn: sa.Connection, uuid: str) -> InstanceCopy | None:
    row = conn.execute(sa.select(instances).where(instances.c.uuid == uuid)).first()
    if row is None:
        return None
    actions = _rows(conn, instance_actions, instance_actions.c.instance_uuid == uuid)
    events = _rows(conn, instance_actions_events, instance_actions_events.c.action_id.in_(
        [a["id"] for a in actions])) if actions else []
    return InstanceCopy(
        instance=dict(row._mapping),
        metadata=_rows(conn, instance_metadata, sa.and_(
            instance_metadata.c.instance_uuid == uuid, instance_metadata.c.deleted == 0)),
        system_metadata=_rows(conn, instance_system_metadata, sa.and_(
            instance_system_metadata.c.instance_uuid == uuid,
            instance_system_metadata.c.deleted == 0)),
        tags=list(conn.execute(sa.select(tags.c.tag).where(tags.c.resource_id == uuid))
                  .scalars()),
        faults=_rows(conn, instance_faults, instance_faults.c.instance_uuid == uuid),
        actions=actions, events=events)


def import_rows(conn: sa.Connection, copy: InstanceCopy, values: dict[str, Any],
                now: datetime.datetime) -> None:
    """The instance (its row updated with ``values``; inserted when the
    target has none) and what hangs off it; ``values`` may hide it."""
    uuid = copy.instance["uuid"]
    row = {k: v for k, v in copy.instance.items() if k not in ("id",)}
    row.update(values, updated_at=now)
    if conn.execute(sa.update(instances).where(instances.c.uuid == uuid)
                    .values(**{k: v for k, v in row.items() if k != "uuid"})).rowcount == 0:
        conn.execute(sa.insert(instances).values(**row))
        _insert(conn, instance_metadata, copy.metadata)
        _insert(conn, instance_system_metadata, copy.system_metadata)
        if copy.tags:
            conn.execute(sa.insert(tags), [{"resource_id": uuid, "tag": t} for t in copy.tags])
        _insert(conn, instance_faults, copy.faults)
    known = set(conn.execute(sa.select(instance_actions.c.request_id).where(
        instance_actions.c.instance_uuid == uuid)).scalars())
    for action in copy.actions:
        if action["request_id"] in known:
            continue
        new_id = conn.execute(sa.insert(instance_actions).values(
            **{k: v for k, v in action.items() if k != "id"})).inserted_primary_key[0]
        _insert(conn, instance_actions_events,
                [dict(e, action_id=new_id) for e in copy.events
                 if e["action_id"] == action["id"]])


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    if rows:
        conn.execute(sa.insert(table), [{k: v for k, v in r.items() if k != "id"}
                                        for r in rows])
