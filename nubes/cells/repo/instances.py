"""SQL for the ``instances`` table of a cell database (and the rows that
hang off an instance: tags, metadata, faults).

* the life of a row: a build creates it (in a cell or cell0), the cell
  conductor writes what compute agents report, the API deletes it;
* what lives on hosts and nodes: checked before a service is deleted or a
  host changes zone, shown on hypervisors;
* batches for the cell commands (map_instances, verify_instance).

Listing servers across cells is :mod:`.instance_listing`; actions and their
events are :mod:`.instance_actions`.  Every function takes an open
``Connection``; callers own transactions.
"""
from __future__ import annotations

import datetime
import functools
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import (
    instance_faults,
    instance_metadata,
    instances,
    tags,
)

INSTANCE_COLUMNS = frozenset(c.name for c in instances.c) - {"id", "deleted", "deleted_at"}
_ANY: Any = object()
_INSERT_INSTANCE = sa.insert(instances)


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
           vm_states: Iterable[str] | Any = _ANY, unlocked: bool = False) -> int:
    """Update a live instance, only while its task and vm state are among
    the given ones (when given) and, with ``unlocked``, while it is not
    locked; the number of rows changed (0 or 1)."""
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
                            vm_states is not _ANY, unlocked)
    return conn.execute(query, row).rowcount


@functools.lru_cache(maxsize=None)
def _guarded_update(by_task: bool, named_tasks: bool, no_task: bool,
                    by_vm: bool, unlocked: bool) -> sa.Update:
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
    if unlocked:
        query = query.where(instances.c.locked == sa.false())
    return query


def soft_delete(conn: sa.Connection, instance_uuid: str, now: datetime.datetime,
                values: dict[str, Any] | None = None, *, hidden_only: bool = False) -> bool:
    """Mark a live instance deleted (``deleted`` = its id); False if it was
    already deleted or is unknown (or, ``hidden_only``, shows)."""
    row = {k: v for k, v in (values or {}).items() if k in INSTANCE_COLUMNS}
    query = sa.update(instances).where(instances.c.uuid == instance_uuid,
                                       instances.c.deleted == 0)
    if hidden_only:
        query = query.where(instances.c.hidden == sa.true())
    return conn.execute(query.values(**row, deleted=instances.c.id, deleted_at=now,
                                     updated_at=now)).rowcount == 1


def add_fault(conn: sa.Connection, instance_uuid: str, *, code: int, message: str,
              details: str | None, host: str | None, now: datetime.datetime) -> None:
    conn.execute(sa.insert(instance_faults).values(
        instance_uuid=instance_uuid, code=code, message=(message or "")[:255],
        details=details, host=host, created_at=now))


# --- instances on hosts and nodes ----------------------------------------------


def count_on_hosts(conn: sa.Connection, hosts: Iterable[str]) -> int:
    hosts = sorted(set(hosts))
    if not hosts:
        return 0
    return conn.scalar(sa.select(sa.func.count()).select_from(instances)
                       .where(instances.c.host.in_(hosts), instances.c.deleted == 0))


def counts_by_node(conn: sa.Connection) -> dict[tuple[str, str], int]:
    """(host, node) -> number of live instances there."""
    rows = conn.execute(sa.select(instances.c.host, instances.c.node, sa.func.count())
                        .where(instances.c.deleted == 0, instances.c.host.is_not(None))
                        .group_by(instances.c.host, instances.c.node))
    return {(r[0], r[1]): r[2] for r in rows}


def on_nodes(conn: sa.Connection,
             nodes: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(host, node) -> [(instance id, uuid), ...] of live instances, id order."""
    nodes = sorted(set(nodes))
    if not nodes:
        return {}
    hosts = sorted({h for h, _ in nodes})
    rows = conn.execute(sa.select(instances.c.host, instances.c.node, instances.c.id, instances.c.uuid)
                        .where(instances.c.deleted == 0, instances.c.host.in_(hosts))
                        .order_by(instances.c.id))
    wanted = set(nodes)
    found: dict[tuple[str, str], list[tuple[int, str]]] = {n: [] for n in nodes}
    for r in rows:
        if (r.host, r.node) in wanted:
            found[(r.host, r.node)].append((r.id, r.uuid))
    return found


def idle_in_state_before(conn: sa.Connection, host: str, vm_state: str,
                         before: datetime.datetime, limit: int) -> list[str]:
    """Uuids of the host's instances in ``vm_state`` with no task under way,
    last changed before ``before``: what its periodic jobs act on
    (SOFT_DELETED ones are reclaimed, SHELVED ones offloaded)."""
    return list(conn.execute(
        sa.select(instances.c.uuid)
        .where(instances.c.deleted == 0, instances.c.host == host,
               instances.c.vm_state == vm_state, instances.c.task_state.is_(None),
               instances.c.updated_at < before)
        .order_by(instances.c.updated_at).limit(limit)).scalars())


def on_host_after(conn: sa.Connection, host: str, after_id: int, limit: int) -> list[dict]:
    """Live instances on ``host`` with an id above ``after_id``, by id."""
    rows = conn.execute(sa.select(instances).where(
        instances.c.deleted == 0, instances.c.host == host, instances.c.id > after_id)
        .order_by(instances.c.id).limit(limit))
    return [dict(r._mapping) for r in rows]


def stuck_before(conn: sa.Connection, before: datetime.datetime,
                 limit: int) -> list[tuple[str, str]]:
    """(uuid, task_state) of live instances in a task since before
    ``before``: what the cell conductor's stuck-task check puts in ERROR."""
    # A record never updated since its creation (its build cast never
    # handled) counts from its creation.
    changed = sa.func.coalesce(instances.c.updated_at, instances.c.created_at)
    rows = conn.execute(
        sa.select(instances.c.uuid, instances.c.task_state)
        .where(instances.c.deleted == 0, instances.c.task_state.is_not(None),
               changed < before)
        .order_by(changed).limit(limit))
    return [(r.uuid, r.task_state) for r in rows]


# --- batches for the cell commands ---------------------------------------------


def count_live(conn: sa.Connection) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(instances)
                       .where(instances.c.deleted == 0))


def get_brief(conn: sa.Connection, uuid: str) -> sa.Row | None:
    """id, uuid and deleted of the instance, deleted or not (None once archived)."""
    return conn.execute(sa.select(instances.c.id, instances.c.uuid, instances.c.deleted)
                        .where(instances.c.uuid == uuid)).first()


def batch_after(conn: sa.Connection, last_id: int, limit: int) -> list[sa.Row]:
    """Instances (deleted ones too) with id > ``last_id``, in id order."""
    return list(conn.execute(
        sa.select(instances.c.id, instances.c.uuid, instances.c.project_id,
                  instances.c.user_id, instances.c.deleted)
        .where(instances.c.id > last_id).order_by(instances.c.id).limit(limit)))


def any_after(conn: sa.Connection, last_id: int) -> bool:
    return conn.execute(sa.select(instances.c.id).where(instances.c.id > last_id)
                        .limit(1)).first() is not None
