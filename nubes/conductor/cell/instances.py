"""Instance rows of one cell: the short transactions the build, delete and
power flows run on a cell database (through the cell conductor for the
compute agents; directly for the super-conductor and the API-side delete).

Actions are found by ``(instance, request id)``: the request id of the
context travels with every cast of a flow, so the compute's events land on
the action the API or super-conductor started.
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Iterable

from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instance_metadata
from nubes.cells.repo import instances as repo
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.compute.states import ERROR, SUCCESS, VmState
from nubes.conductor.cell.messages import (
    GuestData,
    InstanceNotFound,
    InstanceRecord,
    UnexpectedTaskState,
)

_TIMESTAMPS = ("launched_at", "terminated_at", "scheduled_at")
_UNSET: Any = object()


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    """Timestamps arrive over the bus as ISO strings."""
    out = dict(values)
    for name in _TIMESTAMPS:
        if isinstance(out.get(name), str):
            out[name] = datetime.datetime.fromisoformat(out[name].rstrip("Z"))
    return out


def get(db: Database, instance_uuid: str) -> InstanceRecord:
    row = db.read(lambda conn: repo.get(conn, instance_uuid))
    if row is None:
        raise InstanceNotFound(f"instance {instance_uuid} could not be found")
    return InstanceRecord.from_row(row)


def guest_data(db: Database, instance_uuid: str) -> GuestData:
    """The instance's row and user metadata, read together."""
    def work(conn) -> tuple[dict | None, dict]:
        return (repo.get(conn, instance_uuid),
                instance_metadata.get_all(conn, instance_uuid))
    row, metadata = db.read(work)
    if row is None:
        raise InstanceNotFound(f"instance {instance_uuid} could not be found")
    return GuestData(uuid=instance_uuid, name=row.get("display_name"),
                     hostname=row.get("hostname"), launch_index=row.get("launch_index"),
                     availability_zone=row.get("availability_zone"),
                     project_id=row.get("project_id"), key_name=row.get("key_name"),
                     key_data=row.get("key_data"), user_data=row.get("user_data"),
                     metadata=metadata,
                     config_drive=str(row.get("config_drive") or "").lower()
                     in ("true", "1", "yes"))


def on_host(db: Database, host: str, after_id: int, limit: int) -> list[dict]:
    """A page of the host's live instances: their records, with ``id``."""
    rows = db.read(lambda conn: repo.on_host_after(conn, host, after_id, limit))
    return [dict(dataclasses.asdict(InstanceRecord.from_row(r)), id=r["id"]) for r in rows]


def idle_in_state(db: Database, host: str, vm_state: str, older_than: float,
                  limit: int) -> list[str]:
    before = utcnow() - datetime.timedelta(seconds=older_than)
    return db.read(lambda conn: repo.idle_in_state_before(conn, host, vm_state, before,
                                                          limit))


def _expectations(expected_task_state, expected_vm_state) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if expected_task_state is not _UNSET:
        kwargs["task_states"] = list(expected_task_state)
    if expected_vm_state is not _UNSET:
        kwargs["vm_states"] = list(expected_vm_state)
    return kwargs


def _update_in(conn, instance_uuid: str, values: dict[str, Any], now,
               kwargs: dict[str, Any], *, record: bool = True
               ) -> InstanceRecord | Exception | None:
    """The updated record (None if not ``record``), or the error to raise
    once the transaction is over (it may still have to write an event)."""
    if repo.update(conn, instance_uuid, values, now, **kwargs):
        return InstanceRecord.from_row(repo.get(conn, instance_uuid)) if record else None
    row = repo.get(conn, instance_uuid)
    if row is None or row["deleted"]:
        return InstanceNotFound(f"instance {instance_uuid} could not be found")
    return UnexpectedTaskState(
        f"instance {instance_uuid} is in vm_state {row['vm_state']}, task_state "
        f"{row['task_state']}; expected {kwargs}", row["task_state"])


def update_in(conn, instance_uuid: str, values: dict[str, Any], now, *,
              expected_vm_state: Iterable[str] | None = None) -> InstanceRecord | Exception:
    """The instance updated inside a transaction of another step (a
    migration's), if it is in an expected vm_state: its record, or the
    error to raise once that transaction is committed."""
    kwargs = _expectations(_UNSET, _UNSET if expected_vm_state is None
                           else expected_vm_state)
    return _update_in(conn, instance_uuid, _coerce(values), now, kwargs)


def update(db: Database, instance_uuid: str, values: dict[str, Any], *,
           expected_task_state: Iterable[str | None] | Any = _UNSET,
           expected_vm_state: Iterable[str] | Any = _UNSET,
           fault: dict[str, Any] | None = None) -> InstanceRecord:
    """Update a live instance if it is in one of the expected states;
    :class:`UnexpectedTaskState` if not, :class:`InstanceNotFound` if it is
    gone (deleted).  ``fault`` (code, message, details, host) is recorded in
    the same transaction, so no reader sees ERROR without its fault."""
    values = _coerce(values)
    kwargs = _expectations(expected_task_state, expected_vm_state)

    def work(conn):
        now = utcnow()
        result = _update_in(conn, instance_uuid, values, now, kwargs)
        if fault is not None and not isinstance(result, Exception):
            repo.add_fault(conn, instance_uuid, code=fault["code"], message=fault["message"],
                           details=fault.get("details"), host=fault.get("host"), now=now)
        return result
    result = db.write(work)
    if isinstance(result, Exception):
        raise result
    return result


def update_with_event(db: Database, ctx: RequestContext, instance_uuid: str,
                      values: dict[str, Any], *, event: str, phase: str,
                      host: str | None, finish_action: bool = False,
                      expected_task_state: Iterable[str | None] | Any = _UNSET,
                      expected_vm_state: Iterable[str] | Any = _UNSET) -> None:
    """One transaction for a step of a compute operation: the instance
    update and the start (``phase="start"``) or the successful finish
    (``phase="finish"``, with the action too if ``finish_action``) of
    ``event`` on the action of ``ctx``'s request.

    If the instance is not in an expected state the update is not made,
    the event is finished with the reason as its error (and the action
    with it), and :class:`UnexpectedTaskState` or
    :class:`InstanceNotFound` is raised after the commit.
    """
    if phase not in ("start", "finish"):
        raise ValueError(f"phase must be start or finish, not {phase!r}")
    values = _coerce(values)
    kwargs = _expectations(expected_task_state, expected_vm_state)

    def work(conn) -> Exception | None:
        now = utcnow()
        action_id = action_repo.find_action(conn, instance_uuid, ctx.request_id)
        result = _update_in(conn, instance_uuid, values, now, kwargs, record=False)
        if action_id is None:
            return result
        if isinstance(result, Exception):
            action_repo.finish_event(conn, action_id, event, result=ERROR, host=host, now=now,
                              traceback=f"{type(result).__name__}: {result}")
            action_repo.finish_action(conn, action_id, now, failed=True)
        elif phase == "start":
            action_repo.start_event(conn, action_id, event, host=host, now=now)
        else:
            action_repo.finish_event(conn, action_id, event, result=SUCCESS, traceback=None,
                              host=host, now=now)
            if finish_action:
                action_repo.finish_action(conn, action_id, now)
        return result
    result = db.write(work)
    if isinstance(result, Exception):
        raise result


def destroy(db: Database, instance_uuid: str, values: dict[str, Any] | None = None
            ) -> InstanceRecord | None:
    """Soft-delete the instance (vm_state deleted, no task); the record as
    it is now, or None if it was already gone."""
    now = utcnow()
    values = dict({"vm_state": VmState.DELETED, "task_state": None, "terminated_at": now},
                  **_coerce(values or {}))

    def work(conn) -> InstanceRecord | None:
        if not repo.soft_delete(conn, instance_uuid, now, values):
            return None
        return InstanceRecord.from_row(repo.get(conn, instance_uuid))
    return db.write(work)


def add_fault(db: Database, instance_uuid: str, *, code: int, message: str,
              details: str | None = None, host: str | None = None) -> None:
    db.write(lambda conn: repo.add_fault(conn, instance_uuid, code=code, message=message,
                                         details=details, host=host, now=utcnow()))


def start_action(db: Database, ctx: RequestContext, instance_uuid: str, action: str,
                 *, project_id: str | None = None) -> None:
    db.write(lambda conn: action_repo.start_action(
        conn, instance_uuid, action, request_id=ctx.request_id, user_id=ctx.user_id,
        project_id=project_id or ctx.project_id, now=utcnow()))


def event_start(db: Database, ctx: RequestContext, instance_uuid: str, event: str, *,
                host: str | None) -> bool:
    """Start ``event`` on the action of ``ctx``'s request; False if there
    is no such action (the event is then not recorded)."""
    def work(conn) -> bool:
        action_id = action_repo.find_action(conn, instance_uuid, ctx.request_id)
        if action_id is None:
            return False
        action_repo.start_event(conn, action_id, event, host=host, now=utcnow())
        return True
    return db.write(work)


def event_finish(db: Database, ctx: RequestContext, instance_uuid: str, event: str, *,
                 host: str | None, error: str | None = None,
                 finish_action: bool = False) -> bool:
    """Finish ``event`` (``Error`` with ``error`` as its traceback text, or
    ``Success``); an error, or ``finish_action``, also finishes the action."""
    return db.write(lambda conn: finish_event_in(conn, ctx, instance_uuid, event, host=host,
                                                 error=error, finish_action=finish_action))


def finish_event_in(conn, ctx: RequestContext, instance_uuid: str, event: str, *,
                    host: str | None, error: str | None = None,
                    finish_action: bool = False) -> bool:
    """:func:`event_finish` in the caller's transaction."""
    now = utcnow()
    action_id = action_repo.find_action(conn, instance_uuid, ctx.request_id)
    if action_id is None:
        return False
    action_repo.finish_event(conn, action_id, event, result=ERROR if error else SUCCESS,
                             traceback=error, host=host, now=now)
    if error or finish_action:
        action_repo.finish_action(conn, action_id, now, failed=bool(error))
    return True
