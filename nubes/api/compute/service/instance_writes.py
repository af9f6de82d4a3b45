"""Writes to a server's own rows in its cell (metadata, tags, system
metadata) under the state rule of the API doing them.

:func:`target` finds the server (404 for one the caller's project cannot
see, or that is gone); one still being built (a build request, no cell
yet) is in vm_state ``building``, which a rule with ``vm_states`` refuses
with a 409.  :func:`write` then runs the work in **one cell transaction**
that first reads the instance row (locked for update where the backend
can; SQLite writers are serialised by ``BEGIN IMMEDIATE``), checks the
rule on it, and only then writes: a racing state change cannot slip
between the check and the write.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.cells.records import CellMapping, InstanceMapping
from nubes.cells.repo import build_requests
from nubes.cells.repo import instances as instance_repo
from nubes.common.context import RequestContext
from nubes.compute.states import VmState

T = TypeVar("T")

# The vm_states in which OpenStack compute lets a user change a server's
# metadata or tags (paused and suspended are named for when nubes has them).
SETTLED = (VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED)


@dataclasses.dataclass(frozen=True)
class Rule:
    """When a write is allowed.  ``verb`` is how a 409 names it."""
    verb: str
    vm_states: tuple[str, ...] | None = None   # None: any
    no_task: bool = False                      # task_state must be None
    unlocked: bool = False                     # a locked server: admins only


@dataclasses.dataclass(frozen=True)
class Target:
    mapping: InstanceMapping
    cell: CellMapping | None        # None: still a build request

    @property
    def uuid(self) -> str:
        return self.mapping.instance_uuid

    @property
    def project_id(self) -> str:
        return self.mapping.project_id


def _in_state(rule: Rule, uuid: str, attr: str, value: Any) -> exc.Conflict:
    return exc.Conflict(f"Cannot '{rule.verb}' instance {uuid} while it is in "
                        f"{attr} {value}")


def target(state: ComputeState, ctx: RequestContext, uuid: str, rule: Rule) -> Target:
    """Where the server is; a build request is a 409 under a rule that
    names vm_states (and a :class:`Target` without a cell otherwise)."""
    mapping = instance_cells.mapping_of(state, uuid, ctx)
    if mapping.cell_id is None:
        building = state.api_db.read(lambda conn: build_requests.get(conn, uuid))
        if building is not None:
            if rule.vm_states is not None:
                raise _in_state(rule, uuid, "vm_state", VmState.BUILDING)
            return Target(mapping, None)
        # The super-conductor may have just put it in a cell.
        mapping = instance_cells.mapping_of(state, uuid, ctx)
        if mapping.cell_id is None:
            raise instance_cells.not_found(uuid)
    return Target(mapping, instance_cells.cell_of(state, mapping))


def check(rule: Rule, ctx: RequestContext, row: dict[str, Any]) -> None:
    """409 when the instance ``row`` is not in a state ``rule`` allows."""
    uuid = row["uuid"]
    if rule.unlocked and row.get("locked") and not ctx.is_admin:
        raise exc.Conflict(f"Instance {uuid} is locked")
    if rule.vm_states is not None and row.get("vm_state") not in rule.vm_states:
        raise _in_state(rule, uuid, "vm_state", row.get("vm_state"))
    if rule.no_task and row.get("task_state") is not None:
        raise _in_state(rule, uuid, "task_state", row.get("task_state"))


def write(state: ComputeState, ctx: RequestContext, where: Target, rule: Rule,
          work: Callable[[sa.Connection, dict[str, Any]], T]) -> T:
    """``work(conn, instance row)`` in one transaction of the server's cell,
    after the row passed ``rule``; 404 if the server is gone."""
    if where.cell is None:
        raise _in_state(rule, where.uuid, "vm_state", VmState.BUILDING)

    def txn(conn: sa.Connection) -> T:
        row = instance_repo.get(conn, where.uuid, for_update=True)
        if row is None or row.get("deleted"):
            raise instance_cells.not_found(where.uuid)
        check(rule, ctx, row)
        return work(conn, row)
    return state.cells.database(where.cell).write(txn)


def read(state: ComputeState, where: Target, work: Callable[[sa.Connection], T]) -> T:
    """``work(conn)`` in a read transaction of the server's cell (which
    must have one); 404 if the server is gone."""
    assert where.cell is not None

    def txn(conn: sa.Connection) -> T:
        row = instance_repo.get(conn, where.uuid)
        if row is None or row.get("deleted"):
            raise instance_cells.not_found(where.uuid)
        return work(conn)
    return state.cells.database(where.cell).read(txn)
