"""Where a server is: its instance mapping (API database), its cell, and
its row in that cell.  The delete, the power actions and the instance
action reads start here; a server the caller's project cannot see is a 404.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, TypeVar

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import liveness
from nubes.cells.exceptions import CellNotFound
from nubes.cells.records import CellMapping, InstanceMapping
from nubes.cells.repo import instance_actions, instance_mappings, instance_metadata
from nubes.cells.repo import instances as instance_repo
from nubes.cells.repo import services as service_repo
from nubes.common.context import RequestContext
from nubes.common.service_names import COMPUTE_BINARY
from nubes.common.timeutils import utcnow
from nubes.conductor.cell.messages import InstanceRecord


T = TypeVar("T")


def not_found(uuid: str) -> exc.NotFound:
    return exc.NotFound(f"Instance {uuid} could not be found.")


@dataclasses.dataclass(frozen=True)
class Located:
    mapping: InstanceMapping
    cell: CellMapping
    instance: InstanceRecord | None   # None: not in the cell (or archived)


def mapping_of(state: ComputeState, uuid: str, ctx: RequestContext | None = None
               ) -> InstanceMapping:
    """The server's mapping; 404 if there is none or, given ``ctx``, the
    caller's project (unless admin) does not own it."""
    mapping = state.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    if mapping is None or (ctx is not None and not ctx.is_admin
                           and mapping.project_id != ctx.project_id):
        raise not_found(uuid)
    return mapping


def cell_of(state: ComputeState, mapping: InstanceMapping) -> CellMapping:
    try:
        return state.cells.by_id(mapping.cell_id)
    except CellNotFound:
        raise not_found(mapping.instance_uuid) from None


def locate(state: ComputeState, mapping: InstanceMapping) -> Located:
    """The server's cell and row (the mapping must name a cell)."""
    return locate_with(state, mapping, _nothing)[0]


def locate_with(state: ComputeState, mapping: InstanceMapping,
                read: Callable[[sa.Connection], T]) -> tuple[Located, T]:
    """:func:`locate`, and what ``read`` reads in the same cell transaction
    (e.g. the server's volume mappings)."""
    cell = cell_of(state, mapping)

    def work(conn):
        return instance_repo.get(conn, mapping.instance_uuid), read(conn)
    row, extra = state.cells.database(cell).read(work)
    return Located(mapping, cell, None if row is None else InstanceRecord.from_row(row)), extra


def _nothing(_conn) -> None:
    return None


def start_task(state: ComputeState, ctx: RequestContext, located: Located, values: dict,
               action: str, *, finish: bool = False,
               system_metadata: dict[str, str] | None = None,
               metadata: dict[str, str] | None = None, **expected) -> bool:
    """In one cell transaction: update the live instance with ``values``
    (only while its states are the ``expected`` ``task_states`` /
    ``vm_states``, and it is ``unlocked``, when given), set its
    ``system_metadata`` items, replace all its ``metadata`` (when given),
    and start ``action`` for this request (and
    finish it, with ``finish``: nothing else will).  False (nothing
    written) if the row did not match."""
    uuid, project_id = located.mapping.instance_uuid, located.instance.project_id

    def work(conn) -> bool:
        now = utcnow()
        if not instance_repo.update(conn, uuid, values, now, **expected):
            return False
        if system_metadata:
            instance_metadata.set_items(conn, uuid, system_metadata, now, system=True)
        if metadata is not None:
            instance_metadata.replace_all(conn, uuid, metadata, now)
        action_id = instance_actions.start_action(
            conn, uuid, action, request_id=ctx.request_id, user_id=ctx.user_id,
            project_id=project_id, now=now)
        if finish:
            instance_actions.finish_action(conn, action_id, now)
        return True
    return state.cells.database(located.cell).write(work)


def compute_is_up(state: ComputeState, cell: CellMapping, host: str) -> bool:
    """The host's compute service is up (:mod:`nubes.cells.liveness`)."""
    service = state.cells.database(cell).read(
        lambda conn: service_repo.find_live(conn, host, COMPUTE_BINARY))
    return service is not None and liveness.is_up(service, utcnow(),
                                                  state.conf.service_down_time)
