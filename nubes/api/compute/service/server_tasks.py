"""Start a task on a server's host: the one rule every host action follows.

::

    located = server_tasks.start(state, ctx, uuid, TASK)   # checks, writes, commits
    ComputeAPI(state.buses.require(located.cell)).pause_instance(...).send()

In one cell transaction the server's row moves to the task state while its
vm and task states are ones the task allows (and, for a caller that is not
an admin, while it is unlocked), and the instance action starts; the
update's condition is the check, so of two racing requests one wins and the
other gets the 409.  Conflicts say what nova says: ``Instance <uuid> is
locked``, or ``Cannot '<verb>' instance <uuid> while it is in vm_state
<state>`` (or ``task_state``).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.state import ComputeState
from nubes.cells.records import InstanceMapping
from nubes.common.context import RequestContext
from nubes.compute.states import VmState

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Task:
    verb: str                          # as the 409 message names it
    action: str                        # the instance action recorded
    vm_states: tuple[str, ...]         # where it may start
    task_state: str | None             # set while it runs (None: no task state)
    # Task states it may start from (None: any, as an evacuation).
    task_states: tuple[str | None, ...] | None = (None,)
    needs_host: bool = True            # the server must be on a host
    values: tuple[tuple[str, Any], ...] = ()        # more columns written at the start


def locate_live(state: ComputeState, uuid: str, verb: str) -> Located:
    """The server's cell and live row; 409 while it is still a build
    request, 404 once it is gone."""
    return live(state, instance_cells.mapping_of(state, uuid), verb)


def live(state: ComputeState, mapping: InstanceMapping, verb: str) -> Located:
    """:func:`locate_live` from a mapping already read (and authorized)."""
    return live_with(state, mapping, verb, lambda _conn: None)[0]


def live_with(state: ComputeState, mapping: InstanceMapping, verb: str,
              read: Callable[[Any], T]) -> tuple[Located, T]:
    """:func:`live`, and what ``read`` reads in the same cell transaction."""
    uuid = mapping.instance_uuid
    if mapping.cell_id is None:
        raise exc.Conflict(f"Cannot '{verb}' instance {uuid} while it is in vm_state "
                           f"{VmState.BUILDING}")
    located, extra = instance_cells.locate_with(state, mapping, read)
    if located.instance is None or located.instance.deleted:
        raise instance_cells.not_found(uuid)
    return located, extra


def check(ctx: RequestContext, located: Located, task: Task) -> None:
    """The 409s, from the row as read (the write re-checks them)."""
    instance, uuid = located.instance, located.mapping.instance_uuid
    if instance.locked and not ctx.is_admin:
        raise exc.Conflict(f"Instance {uuid} is locked")
    if instance.vm_state not in task.vm_states:
        raise exc.Conflict(f"Cannot '{task.verb}' instance {uuid} while it is in "
                           f"vm_state {instance.vm_state}")
    if task.task_states is not None and instance.task_state not in task.task_states:
        raise exc.Conflict(f"Cannot '{task.verb}' instance {uuid} while it is in "
                           f"task_state {instance.task_state}")
    if task.needs_host and (located.cell.is_cell0 or not instance.host):
        raise exc.Conflict(f"Cannot '{task.verb}' instance {uuid}: it has no host")


def start(state: ComputeState, ctx: RequestContext, uuid: str, task: Task,
          values: dict[str, Any] | None = None, *,
          system_metadata: dict[str, str] | None = None,
          metadata: dict[str, str] | None = None) -> Located:
    """Check, then in one transaction set the task state (and ``values``,
    and ``system_metadata`` items) and start the action; the server as it
    was before."""
    located = locate_live(state, uuid, task.verb)
    check(ctx, located, task)
    written = {"task_state": task.task_state, **dict(task.values), **(values or {})}
    expected = {} if task.task_states is None else {"task_states": task.task_states}
    if not instance_cells.start_task(state, ctx, located, written, task.action,
                                     vm_states=task.vm_states, unlocked=not ctx.is_admin,
                                     system_metadata=system_metadata, metadata=metadata,
                                     **expected):
        # Someone else changed it meanwhile: say why from the row as it is now.
        now = instance_cells.locate(state, located.mapping)
        if now.instance is None or now.instance.deleted:
            raise instance_cells.not_found(uuid)
        check(ctx, now, task)
        raise exc.Conflict(f"Cannot '{task.verb}' instance {uuid}: it changed meanwhile")
    return located
