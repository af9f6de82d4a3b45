"""``os-migrateLive`` (admin), and a running live migration's
``force_complete`` (2.22) and abort (2.24).

The live migration: ACTIVE or PAUSED with no task; a target host must
exist and not be the server's (400); task ``migrating`` and the
``live-migration`` action start, then the super-conductor records the
migration (``queued`` → ``preparing``), hands the source's allocation to it
and claims the destination, and the source copies the guest over
(:mod:`nubes.compute.operations.live_migration`).  force_complete and abort
need the migration ``running`` (400 otherwise, as OpenStack compute says
it) and are passed to the source host.
"""
from __future__ import annotations

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells, server_tasks
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import host_mappings
from nubes.cells.repo import migrations as migration_repo
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState
from nubes.conductor.super.rpcapi import SuperConductorAPI

LIVE = Task("os-migrateLive", Action.LIVE_MIGRATION, (VmState.ACTIVE, VmState.PAUSED),
            TaskState.MIGRATING)


def live_migrate(state: ComputeState, ctx: RequestContext, uuid: str,
                 host: str | None) -> None:
    located = server_tasks.locate_live(state, uuid, LIVE.verb)
    server_tasks.check(ctx, located, LIVE)
    if host is not None:
        if state.api_db.read(lambda conn: host_mappings.get_by_host(conn, host)) is None:
            raise exc.Invalid(f"Compute host {host} could not be found.")
        if host == located.instance.host:
            raise exc.Invalid(f"Unable to migrate instance ({uuid}) to current host "
                              f"({host}).")
    if state.api_transport is None:
        raise exc.Unavailable("Live migration needs the super-conductor "
                              "([DEFAULT] transport_url).")
    server_tasks.start(state, ctx, uuid, LIVE)
    SuperConductorAPI(state.api_transport).migrate_server(
        ctx, uuid, host=host, old_vm_state=located.instance.vm_state, live=True).send()


def force_complete(state: ComputeState, ctx: RequestContext, uuid: str,
                   migration_id: int) -> None:
    located, migration = _running(state, ctx, uuid, migration_id, "force_complete")
    ComputeAPI(state.buses.require(located.cell)).live_migration_force_complete(
        ctx, migration["source_compute"], migration_uuid=migration["uuid"]).send()


def abort(state: ComputeState, ctx: RequestContext, uuid: str, migration_id: int) -> None:
    located, migration = _running(state, ctx, uuid, migration_id, "abort live migration")
    ComputeAPI(state.buses.require(located.cell)).live_migration_abort(
        ctx, migration["source_compute"], migration_uuid=migration["uuid"]).send()


def _running(state: ComputeState, ctx: RequestContext, uuid: str, migration_id: int,
             what: str):
    mapping = instance_cells.mapping_of(state, uuid, ctx)
    if mapping.cell_id is None:
        raise exc.NotFound(f"Migration {migration_id} could not be found for instance "
                           f"{uuid}.")
    located = instance_cells.locate(state, mapping)
    if located.instance is None or located.instance.deleted:
        raise instance_cells.not_found(uuid)
    found = state.cells.database(located.cell).read(
        lambda conn: migration_repo.in_progress_live(conn, uuid, migration_id))
    if not found:
        raise exc.NotFound(f"Migration {migration_id} could not be found for instance "
                           f"{uuid}.")
    migration = found[0]
    if migration["status"] != "running":
        raise exc.Invalid(f"Migration {migration_id} state of instance {uuid} is "
                          f"{migration['status']}. Cannot {what} while the migration is "
                          "in this state.")
    return located, migration
