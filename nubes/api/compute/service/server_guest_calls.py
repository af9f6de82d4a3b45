"""What the API asks a server's host and waits for: the console output,
diagnostics, and a new admin password (``changePassword``).

The host must be up: a server without one, or whose host's compute service
is down or does not answer in time, is a 409 (the request can be repeated
later); a driver that cannot do it is a 501.
"""
from __future__ import annotations

import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells, server_tasks
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import instances as instance_repo
from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.messages import Diagnostics, GuestNotReady, NotSupported, PasswordSetFailed
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState

LOG = logging.getLogger(__name__)
CHANGE_PASSWORD = Task("changePassword", Action.CHANGE_PASSWORD, (VmState.ACTIVE,),
                       TaskState.UPDATING_PASSWORD)


def _host_api(state: ComputeState, located: Located) -> ComputeAPI:
    uuid, instance = located.mapping.instance_uuid, located.instance
    if located.cell.is_cell0 or not instance.host:
        raise exc.Conflict(f"Instance {uuid} is not ready")
    if not instance_cells.compute_is_up(state, located.cell, instance.host):
        raise exc.Conflict(f"Compute service of {instance.host} is unavailable at this time.")
    return ComputeAPI(state.buses.require(located.cell),
                      timeout=state.conf.rpc_response_timeout)


def _call(uuid: str, what: str, fn):
    try:
        return fn()
    except NotSupported as err:
        raise exc.NotImplementedByHost(f"{what} is not implemented: {err}") from None
    except GuestNotReady:
        raise exc.Conflict(f"Instance {uuid} is not ready") from None
    except rpc.MessagingTimeout:
        raise exc.Conflict(f"The host of instance {uuid} did not answer in time; "
                           "try again later.") from None


def console_output(state: ComputeState, ctx: RequestContext, uuid: str,
                   length: int | None) -> str:
    located = server_tasks.locate_live(state, uuid, "get_console_output")
    api = _host_api(state, located)
    return _call(uuid, "Console output", lambda: api.get_console_output(
        ctx, located.instance.host, uuid, length))


def diagnostics(state: ComputeState, ctx: RequestContext, uuid: str) -> Diagnostics:
    located = server_tasks.locate_live(state, uuid, "get_diagnostics")
    api = _host_api(state, located)
    return _call(uuid, "Diagnostics", lambda: api.get_diagnostics(
        ctx, located.instance.host, uuid))


def change_password(state: ComputeState, ctx: RequestContext, uuid: str,
                    password: str) -> None:
    located = server_tasks.locate_live(state, uuid, CHANGE_PASSWORD.verb)
    server_tasks.check(ctx, located, CHANGE_PASSWORD)
    api = _host_api(state, located)
    server_tasks.start(state, ctx, uuid, CHANGE_PASSWORD)
    try:
        _call(uuid, "Setting the admin password", lambda: api.set_admin_password(
            ctx, located.instance.host, uuid, password))
    except PasswordSetFailed as err:
        raise exc.Conflict(str(err)) from None
    except exc.ComputeError:
        _clear_task(state, located)     # the host never took it (timeout, no driver)
        raise


def _clear_task(state: ComputeState, located: Located) -> None:
    state.cells.database(located.cell).write(lambda conn: instance_repo.update(
        conn, located.mapping.instance_uuid, {"task_state": None}, utcnow(),
        task_states=[TaskState.UPDATING_PASSWORD]))
