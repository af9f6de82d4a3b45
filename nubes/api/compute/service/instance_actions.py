"""``os-instance-actions``: what was done to a server, read from the cell
its mapping names (a server still being scheduled has none yet).

A deleted server keeps its mapping and its (soft-deleted) cell row, so its
actions stay readable where the caller asks for deleted servers (2.21+);
otherwise a deleted server is a 404 like any unknown one.
"""
from __future__ import annotations

import dataclasses
import datetime

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.cells.records import InstanceMapping
from nubes.cells.repo import instance_actions
from nubes.cells.repo import instances as instance_repo
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database


@dataclasses.dataclass(frozen=True)
class ActionQuery:
    """Which actions a listing wants: at most ``limit``, after the action
    started by ``marker`` (a request id), changed within
    ``[changes_since, changes_before]``."""
    limit: int
    marker: str | None = None
    changes_since: datetime.datetime | None = None
    changes_before: datetime.datetime | None = None


def _cell_db(state: ComputeState, ctx: RequestContext, uuid: str, *, deleted_ok: bool
             ) -> tuple[Database | None, InstanceMapping]:
    """(the cell's database or None for a build request, the mapping); 404
    for a server the caller cannot see, or a deleted one unless
    ``deleted_ok`` (an archived one always)."""
    mapping = instance_cells.mapping_of(state, uuid, ctx)
    if mapping.cell_id is None:
        return None, mapping     # a build request: no actions yet
    db = state.cells.database(instance_cells.cell_of(state, mapping))
    row = db.read(lambda conn: instance_repo.get_brief(conn, uuid))
    if row is None or (row.deleted and not deleted_ok):
        raise instance_cells.not_found(uuid)
    return db, mapping


def list_actions(state: ComputeState, ctx: RequestContext, uuid: str, query: ActionQuery,
                 *, deleted_ok: bool) -> tuple[list[dict], str]:
    """(the page of actions, newest first; the server's project).  An
    unknown marker is a 400."""
    db, mapping = _cell_db(state, ctx, uuid, deleted_ok=deleted_ok)
    if db is None:
        if query.marker is not None:
            raise exc.Invalid(f"Marker {query.marker} could not be found.")
        return [], mapping.project_id

    def read(conn) -> list[dict]:
        position = None
        if query.marker is not None:
            position = instance_actions.position(conn, uuid, query.marker)
            if position is None:
                raise exc.Invalid(f"Marker {query.marker} could not be found.")
        return instance_actions.list_for(conn, uuid, limit=query.limit, marker=position,
                                         changed_since=query.changes_since,
                                         changed_before=query.changes_before)
    return db.read(read), mapping.project_id


def get_action(state: ComputeState, ctx: RequestContext, uuid: str, request_id: str, *,
               deleted_ok: bool) -> tuple[dict, str]:
    """(the action started by ``request_id`` with its events, the server's
    project); 404 if the server has none."""
    db, mapping = _cell_db(state, ctx, uuid, deleted_ok=deleted_ok)
    action = None if db is None else db.read(
        lambda conn: instance_actions.get(conn, uuid, request_id))
    if action is None:
        raise exc.NotFound(f"Action {request_id} on instance {uuid} could not be found.")
    return action, mapping.project_id
