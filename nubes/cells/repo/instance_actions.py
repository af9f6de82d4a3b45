"""SQL for a server's instance actions and their events (cell database):
started and finished by the flows that change a server (create, delete,
reboot, ...), read by ``os-instance-actions``.

Every function takes an open ``Connection``; callers own transactions.
"""
from __future__ import annotations

import datetime
from typing import Any

import sqlalchemy as sa

from nubes.cells.cell_db.models import instance_actions, instance_actions_events

_INSERT_ACTION = sa.insert(instance_actions)
_INSERT_EVENT = sa.insert(instance_actions_events)


# --- writes ------------------------------------------------------------------

def start_action(conn: sa.Connection, instance_uuid: str, action: str, *,
                 request_id: str, user_id: str | None, project_id: str | None,
                 now: datetime.datetime) -> int:
    return conn.execute(_INSERT_ACTION, dict(
        action=action, instance_uuid=instance_uuid, request_id=request_id,
        user_id=user_id, project_id=project_id, start_time=now,
        created_at=now)).inserted_primary_key[0]


_FIND_ACTION = (sa.select(instance_actions.c.id)
                .where(instance_actions.c.instance_uuid == sa.bindparam("uuid"),
                       instance_actions.c.request_id == sa.bindparam("request_id"))
                .order_by(instance_actions.c.id.desc()).limit(1))
_UPDATE_ACTION = sa.update(instance_actions).where(
    instance_actions.c.id == sa.bindparam("action_id"))


def find_action(conn: sa.Connection, instance_uuid: str, request_id: str) -> int | None:
    """The newest action of the instance started by ``request_id``."""
    return conn.scalar(_FIND_ACTION, {"uuid": instance_uuid, "request_id": request_id})


def finish_action(conn: sa.Connection, action_id: int, now: datetime.datetime, *,
                  failed: bool = False) -> None:
    values: dict[str, Any] = {"action_id": action_id, "finish_time": now, "updated_at": now}
    if failed:
        values["message"] = "Error"
    conn.execute(_UPDATE_ACTION, values)


def start_event(conn: sa.Connection, action_id: int, event: str, *, host: str | None,
                now: datetime.datetime) -> int:
    return conn.execute(_INSERT_EVENT, dict(
        event=event, action_id=action_id, start_time=now, host=host,
        created_at=now)).inserted_primary_key[0]


def finish_event(conn: sa.Connection, action_id: int, event: str, *, result: str,
                 traceback: str | None, host: str | None, now: datetime.datetime) -> None:
    """Finish the newest unfinished ``event`` of the action (one is created,
    already started, if there is none)."""
    event_id = conn.scalar(_OPEN_EVENT, {"action_id": action_id, "event": event})
    if event_id is None:
        event_id = start_event(conn, action_id, event, host=host, now=now)
    conn.execute(_UPDATE_EVENT, {"event_id": event_id, "finish_time": now, "result": result,
                                 "traceback": traceback, "updated_at": now})


_OPEN_EVENT = (sa.select(instance_actions_events.c.id)
               .where(instance_actions_events.c.action_id == sa.bindparam("action_id"),
                      instance_actions_events.c.event == sa.bindparam("event"),
                      instance_actions_events.c.finish_time.is_(None))
               .order_by(instance_actions_events.c.id.desc()).limit(1))
_UPDATE_EVENT = sa.update(instance_actions_events).where(
    instance_actions_events.c.id == sa.bindparam("event_id"))


# --- reads -------------------------------------------------------------------

# When an action last changed: its ``updated_at`` (set when it finishes),
# else when it started.
CHANGED_AT = sa.func.coalesce(instance_actions.c.updated_at, instance_actions.c.created_at)
_NEWEST_FIRST = (instance_actions.c.created_at.desc(), instance_actions.c.id.desc())


def list_for(conn: sa.Connection, instance_uuid: str, *, limit: int | None = None,
             marker: tuple[datetime.datetime, int] | None = None,
             changed_since: datetime.datetime | None = None,
             changed_before: datetime.datetime | None = None) -> list[dict]:
    """The instance's actions newest first (``created_at``, then ``id``),
    after the ``marker`` position (see :func:`position`), changed in
    ``[changed_since, changed_before]``, at most ``limit``."""
    acts = instance_actions
    query = sa.select(acts).where(acts.c.instance_uuid == instance_uuid)
    if marker is not None:
        created_at, action_id = marker
        query = query.where(sa.or_(acts.c.created_at < created_at,
                                   sa.and_(acts.c.created_at == created_at,
                                           acts.c.id < action_id)))
    if changed_since is not None:
        query = query.where(CHANGED_AT >= changed_since)
    if changed_before is not None:
        query = query.where(CHANGED_AT <= changed_before)
    query = query.order_by(*_NEWEST_FIRST)
    if limit is not None:
        query = query.limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def position(conn: sa.Connection, instance_uuid: str, request_id: str
             ) -> tuple[datetime.datetime, int] | None:
    """(created_at, id) of the instance's newest action started by
    ``request_id``: a listing marker; None if there is none."""
    acts = instance_actions
    row = conn.execute(sa.select(acts.c.created_at, acts.c.id)
                       .where(acts.c.instance_uuid == instance_uuid,
                              acts.c.request_id == request_id)
                       .order_by(acts.c.id.desc()).limit(1)).first()
    return None if row is None else (row.created_at, row.id)


def get(conn: sa.Connection, instance_uuid: str, request_id: str) -> dict | None:
    """The instance's newest action started by ``request_id`` with its
    events (newest first), or None."""
    acts, evs = instance_actions, instance_actions_events
    row = conn.execute(sa.select(acts).where(acts.c.instance_uuid == instance_uuid,
                                             acts.c.request_id == request_id)
                       .order_by(acts.c.id.desc())).first()
    if row is None:
        return None
    action = dict(row._mapping)
    action["events"] = [dict(e._mapping) for e in conn.execute(
        sa.select(evs).where(evs.c.action_id == row.id)
        .order_by(evs.c.created_at.desc(), evs.c.id.desc()))]
    return action
