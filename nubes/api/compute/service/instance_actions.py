"""``os-instance-actions``: what was done to a server, read from the cell
its mapping names (a server still being scheduled has none yet)."""
from __future__ import annotations

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.cells.records import InstanceMapping
from nubes.cells.repo import instance_actions
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database


def _cell_db(state: ComputeState, ctx: RequestContext, uuid: str
             ) -> tuple[Database | None, InstanceMapping]:
    """(the cell's database or None for a build request, the mapping)."""
    mapping = instance_cells.mapping_of(state, uuid, ctx)
    if mapping.cell_id is None:
        return None, mapping     # a build request: no actions yet
    return state.cells.database(instance_cells.cell_of(state, mapping)), mapping


def list_actions(state: ComputeState, ctx: RequestContext, uuid: str) -> tuple[list[dict], str]:
    """(actions newest first, the server's project)."""
    db, mapping = _cell_db(state, ctx, uuid)
    if db is None:
        return [], mapping.project_id
    return db.read(lambda conn: instance_actions.list_for(conn, uuid)), mapping.project_id


def get_action(state: ComputeState, ctx: RequestContext, uuid: str,
               request_id: str) -> tuple[dict, str]:
    db, mapping = _cell_db(state, ctx, uuid)
    action = None if db is None else db.read(
        lambda conn: instance_actions.get(conn, uuid, request_id))
    if action is None:
        raise exc.NotFound(f"Action {request_id} on instance {uuid} could not be found.")
    return action, mapping.project_id
