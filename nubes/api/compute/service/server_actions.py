"""Deleting servers, reboot / stop / start, and reading instance actions.

Delete and the power actions run the API-level tasks of the conductor
package in this process (:mod:`nubes.conductor.tasks.delete`,
:mod:`~nubes.conductor.tasks.power`): they write the cell database and
then cast to the instance's host on the cell's bus.  Instance actions are
read from the cell the instance mapping names.
"""
from __future__ import annotations

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import instance_actions, instance_mappings
from nubes.common.context import RequestContext
from nubes.conductor.messages import InstanceInvalidState, InstanceNotFound
from nubes.conductor.tasks import power
from nubes.conductor.tasks.context import ApiLevel
from nubes.conductor.tasks.delete import delete_server


def _api_level(state: ComputeState) -> ApiLevel:
    if state.api_level is None:
        raise exc.Unavailable("Server actions need placement ([placement_client] endpoint).")
    return state.api_level


def delete(state: ComputeState, ctx: RequestContext, uuid: str) -> str:
    try:
        return delete_server(_api_level(state), ctx, uuid)
    except InstanceNotFound as err:
        raise exc.NotFound(str(err)) from None


_POWER = {"reboot_soft": lambda api, ctx, uuid: power.reboot_server(api, ctx, uuid, hard=False),
          "reboot_hard": lambda api, ctx, uuid: power.reboot_server(api, ctx, uuid, hard=True),
          "stop": power.stop_server,
          "start": power.start_server}


def power_action(state: ComputeState, ctx: RequestContext, uuid: str, what: str) -> None:
    """``what``: reboot_soft, reboot_hard, stop or start."""
    try:
        _POWER[what](_api_level(state), ctx, uuid)
    except InstanceNotFound as err:
        raise exc.NotFound(str(err)) from None
    except InstanceInvalidState as err:
        raise exc.Conflict(str(err)) from None


def _cell_db(state: ComputeState, ctx: RequestContext, uuid: str):
    mapping = state.api_db.read(lambda conn: instance_mappings.get(conn, uuid))
    if mapping is None or (not ctx.is_admin and mapping.project_id != ctx.project_id):
        raise exc.NotFound(f"Instance {uuid} could not be found.")
    if mapping.cell_id is None:
        return None, mapping     # a build request: no actions yet
    for cell in state.cells.cells():
        if cell.id == mapping.cell_id:
            return state.cells.database(cell), mapping
    raise exc.NotFound(f"Instance {uuid} could not be found.")


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
