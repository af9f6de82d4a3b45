"""SQL for the life of an instance in a cell database: the row itself, its
faults, and its actions with their events.

Used by the conductors (a build puts the row in a cell or cell0; the cell
conductor writes what the compute agents report) and by the API-side delete.
Every function takes an open ``Connection``; callers own transactions.
"""
from __future__ import annotations

import datetime
import functools
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
    row = {k: v for k, v in values.items() if k in INSTANCE_COLUMNS}
    row["updated_at"] = now
    row["_uuid"] = instance_uuid
    named: list[str] = []
    with_none = False
    if task_states is not _ANY:
        wanted = list(task_states)
        named = [t for t in wanted if t is not None]
        with_none = None in wanted
        if named:
            row["_task_states"] = named
    if vm_states is not _ANY:
        row["_vm_states"] = list(vm_states)
    query = _guarded_update(task_states is not _ANY, bool(named), with_none,
                            vm_states is not _ANY)
    return conn.execute(query, row).rowcount


@functools.lru_cache(maxsize=None)
def _guarded_update(by_task: bool, named_tasks: bool, no_task: bool,
                    by_vm: bool) -> sa.Update:
    """The UPDATE of one live instance for one shape of expected states,
    built once (values and states are parameters)."""
    query = sa.update(instances).where(instances.c.uuid == sa.bindparam("_uuid"),
                                       instances.c.deleted == 0)
    if by_task:
        conds = []
        if named_tasks:
            conds.append(instances.c.task_state.in_(
                sa.bindparam("_task_states", expanding=True)))
        if no_task:
            conds.append(instances.c.task_state.is_(None))
        query = query.where(sa.or_(*conds) if conds else sa.false())
    if by_vm:
        query = query.where(instances.c.vm_state.in_(
            sa.bindparam("_vm_states", expanding=True)))
    return query


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
