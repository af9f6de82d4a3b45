"""``evacuate`` (admin): rebuild a server whose host is down on another
host of its cell.

The host's compute service must be down or forced down (400 ``Compute
service of <host> is still in use.`` otherwise); a target host must exist
(404) and not be the server's own (400).  Task ``rebuilding`` and the
``evacuate`` action start (any task state: the dead host may have left
one), then the super-conductor records the evacuation, hands the dead
host's allocation to the migration and claims the destination, which builds
the guest again (:mod:`nubes.compute.operations.evacuate`).  From 2.95 the
server ends stopped.  When the old host starts again it drops its guest and
the migration's allocation.
"""
from __future__ import annotations

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells, server_tasks
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import host_mappings
from nubes.common.context import RequestContext
from nubes.compute.states import Action, TaskState, VmState
from nubes.conductor.super.rpcapi import SuperConductorAPI

EVACUATE = Task("evacuate", Action.EVACUATE, (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
                TaskState.REBUILDING, task_states=None)


def evacuate(state: ComputeState, ctx: RequestContext, uuid: str, host: str | None, *,
             stop: bool) -> None:
    located = server_tasks.locate_live(state, uuid, EVACUATE.verb)
    server_tasks.check(ctx, located, EVACUATE)
    source = located.instance.host
    if instance_cells.compute_is_up(state, located.cell, source):
        raise exc.Invalid(f"Compute service of {source} is still in use.")
    if host is not None:
        if state.api_db.read(lambda conn: host_mappings.get_by_host(conn, host)) is None:
            raise exc.NotFound(f"Compute host {host} could not be found.")
        if host == source:
            raise exc.Invalid("The target host can't be the same one.")
    if state.api_transport is None:
        raise exc.Unavailable("Evacuating servers needs the super-conductor "
                              "([DEFAULT] transport_url).")
    server_tasks.start(state, ctx, uuid, EVACUATE)
    SuperConductorAPI(state.api_transport).migrate_server(
        ctx, uuid, host=host, old_vm_state=located.instance.vm_state, evacuate=True,
        target_state=VmState.STOPPED if stop else None).send()
