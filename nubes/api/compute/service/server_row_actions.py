"""Actions that change only the server's row in its cell: lock, unlock and
``os-resetState``.  Each writes the row and records its instance action in
one cell transaction; nothing is cast.

* lock: ``locked_by`` is ``owner`` when the server's project locks it,
  ``admin`` otherwise; an owner locking a locked server changes nothing.
  While locked, callers who are not admins get 409 on every action.
* unlock: the handler decides who may (an admin lock needs the override rule).
* resetState (admin): vm_state ``active`` or ``error``, the task cleared.
"""
from __future__ import annotations

from nubes.api.compute.service import instance_cells, server_tasks
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.state import ComputeState
from nubes.common.context import RequestContext
from nubes.compute.states import Action


def locked_by_other(ctx: RequestContext, located: Located) -> bool:
    """The server is locked by the other side (an admin's lock seen by its
    owner, or the owner's seen by an admin of another project)."""
    expected = "owner" if located.instance.project_id == ctx.project_id else "admin"
    by = located.instance.locked_by
    return bool(by) and by != expected


def lock(state: ComputeState, ctx: RequestContext, uuid: str, reason: str | None) -> None:
    located = server_tasks.locate_live(state, uuid, "lock")
    is_owner = located.instance.project_id == ctx.project_id
    if located.instance.locked and is_owner:
        return
    _write(state, ctx, located, Action.LOCK, {
        "locked": True, "locked_by": "owner" if is_owner else "admin",
        "locked_reason": reason})


def unlock(state: ComputeState, ctx: RequestContext, located: Located) -> None:
    _write(state, ctx, located, Action.UNLOCK,
           {"locked": False, "locked_by": None, "locked_reason": None})


def reset_state(state: ComputeState, ctx: RequestContext, uuid: str, vm_state: str) -> None:
    located = server_tasks.locate_live(state, uuid, "resetState")
    _write(state, ctx, located, Action.RESET_STATE, {"vm_state": vm_state,
                                                      "task_state": None})


def _write(state: ComputeState, ctx: RequestContext, located: Located, action: str,
           values: dict) -> None:
    if not instance_cells.start_task(state, ctx, located, values, action, finish=True):
        raise instance_cells.not_found(located.mapping.instance_uuid)
