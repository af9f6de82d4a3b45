"""SQL for the life of an instance in a cell database: the row itself, its
faults, and its actions with their events.

Used by the conductors (a build puts the row in a cell or cell0; the cell
conductor writes what the compute agents report) and by the API-side delete.
Every function takes an open ``Connection``; callers own transactions.
"""
from __future__ import annotations

import datetime
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import (instance_actions, instance_actions_events,
                                        instance_faults, instance_metadata, instances, tags)

INSTANCE_COLUMNS = frozenset(c.name for c in instances.c) - {"id", "deleted", "deleted_at"}
_ANY: Any = object()
_INSERT_INSTANCE = sa.insert(instances)
_INSERT_ACTION = sa.insert(instance_actions)
_INSERT_EVENT = sa.insert(instance_actions_events)


def create(conn: sa.Connection, values: dict[str, Any], now: datetime.datetime) -> int:
    """Insert a live instance from ``values`` (unknown keys are ignored)."""
    row = {k: v for k, v in values.items() if k in INSTANCE_COLUMNS}
    row.setdefault("created_at", now)
    # Parameters apart from the statement: SQLAlchemy then builds and
    # compiles the statement once per set of columns, not per call.
    return conn.execute(_INSERT_INSTANCE, row).inserted_primary_key[0]


def add_tags(conn: sa.Connection, instance_uuid: str, names: Iterable[str]) -> None:
    rows = [{"resource_id": instance_uuid, "tag": t} for t in sorted(set(names))]
    if rows:
        conn.execute(sa.insert(tags), rows)


def add_metadata(conn: sa.Connection, instance_uuid: str, items: dict[str, str] | None,
                 now: datetime.datetime) -> None:
    """The user metadata the API accepted (carried in the build request's
    serialized instance as ``metadata``)."""
    rows = [{"instance_uuid": instance_uuid, "key": k, "value": v, "created_at": now}
            for k, v in sorted((items or {}).items())]
    if rows:
        conn.execute(sa.insert(instance_metadata), rows)


def get(conn: sa.Connection, instance_uuid: str, *, for_update: bool = False) -> dict | None:
    """The instance row (deleted or not) as a dict; None if there is none."""
    query = sa.select(instances).where(instances.c.uuid == instance_uuid)
    if for_update and conn.dialect.name != "sqlite":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def update(conn: sa.Connection, instance_uuid: str, values: dict[str, Any],
           now: datetime.datetime, *, task_states: Iterable[str | None] | Any = _ANY,
           vm_states: Iterable[str] | Any = _ANY) -> int:
    """Update a live instance, only while its task and vm state are among
    the given ones (when given); the number of rows changed (0 or 1)."""
    query = sa.update(instances).where(instances.c.uuid == instance_uuid,
                                       instances.c.deleted == 0)
    if task_states is not _ANY:
        wanted = list(task_states)
        named = [t for t in wanted if t is not None]
        conds = [instances.c.task_state.in_(named)] if named else []
        if None in wanted:
            conds.append(instances.c.task_state.is_(None))
        query = query.where(sa.or_(*conds) if conds else sa.false())
    if vm_states is not _ANY:
        query = query.where(instances.c.vm_state.in_(list(vm_states)))
    row = {k: v for k, v in values.items() if k in INSTANCE_COLUMNS}
    row["updated_at"] = now
    return conn.execute(query, row).rowcount


def soft_delete(conn: sa.Connection, instance_uuid: str, now: datetime.datetime,
                values: dict[str, Any] | None = None) -> bool:
    """Mark a live instance deleted (``deleted`` = its id); False if it was
    already deleted or is unknown."""
    row = {k: v for k, v in (values or {}).items() if k in INSTANCE_COLUMNS}
    return conn.execute(
        sa.update(instances).where(instances.c.uuid == instance_uuid, instances.c.deleted == 0)
        .values(**row, deleted=instances.c.id, deleted_at=now, updated_at=now)).rowcount == 1


def add_fault(conn: sa.Connection, instance_uuid: str, *, code: int, message: str,
              details: str | None, host: str | None, now: datetime.datetime) -> None:
    conn.execute(sa.insert(instance_faults).values(
        instance_uuid=instance_uuid, code=code, message=(message or "")[:255],
        details=details, host=host, created_at=now))


# --- actions and events --------------------------------------------------------

def start_action(conn: sa.Connection, instance_uuid: str, action: str, *,
                 request_id: str, user_id: str | None, project_id: str | None,
                 now: datetime.datetime) -> int:
    return conn.execute(_INSERT_ACTION, dict(
        action=action, instance_uuid=instance_uuid, request_id=request_id,
        user_id=user_id, project_id=project_id, start_time=now,
        created_at=now)).inserted_primary_key[0]


def find_action(conn: sa.Connection, instance_uuid: str, request_id: str) -> int | None:
    """The newest action of the instance started by ``request_id``."""
    return conn.scalar(sa.select(instance_actions.c.id).where(
        instance_actions.c.instance_uuid == instance_uuid,
        instance_actions.c.request_id == request_id)
        .order_by(instance_actions.c.id.desc()).limit(1))


def finish_action(conn: sa.Connection, action_id: int, now: datetime.datetime, *,
                  failed: bool = False) -> None:
    values: dict[str, Any] = {"finish_time": now, "updated_at": now}
    if failed:
        values["message"] = "Error"
    conn.execute(sa.update(instance_actions).where(instance_actions.c.id == action_id)
                 .values(**values))


def start_event(conn: sa.Connection, action_id: int, event: str, *, host: str | None,
                now: datetime.datetime) -> int:
    return conn.execute(_INSERT_EVENT, dict(
        event=event, action_id=action_id, start_time=now, host=host,
        created_at=now)).inserted_primary_key[0]


def finish_event(conn: sa.Connection, action_id: int, event: str, *, result: str,
                 traceback: str | None, host: str | None, now: datetime.datetime) -> None:
    """Finish the newest unfinished ``event`` of the action (one is created,
    already started, if there is none)."""
    ev = instance_actions_events
    event_id = conn.scalar(sa.select(ev.c.id).where(
        ev.c.action_id == action_id, ev.c.event == event, ev.c.finish_time.is_(None))
        .order_by(ev.c.id.desc()).limit(1))
    if event_id is None:
        event_id = start_event(conn, action_id, event, host=host, now=now)
    conn.execute(sa.update(ev).where(ev.c.id == event_id).values(
        finish_time=now, result=result, traceback=traceback, updated_at=now))
