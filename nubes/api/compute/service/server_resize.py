"""``resize``, ``migrate``, ``confirmResize`` and ``revertResize`` (moves
within the server's cell).

* resize / migrate (ACTIVE or STOPPED, no task): the checks first (the
  flavor exists and differs, the disk does not shrink, the quota has room
  for the growth; 2.56's host exists), then task ``resize_prep`` and the
  action in one cell transaction, then the super-conductor records the
  migration, hands the source's allocation to it, schedules and claims
  (:mod:`nubes.conductor.super.migrate`).
* With the policy ``compute:servers:resize:cross_cell`` a move may go to
  another cell when the server's own has no room; its confirm and revert
  then go through the super-conductor (:mod:`nubes.conductor.super.cross_cell`),
  volumes and all (the target cell gets the mappings, its host new
  attachments).
* confirmResize / revertResize (VERIFY_RESIZE): in one cell transaction the
  finished migration becomes ``confirming`` / ``reverting`` (none: 400
  ``Instance has not been resized.``), the action starts (and, for a
  revert, task ``resize_reverting``); then the source (confirm) or the
  destination (revert) host is told.  A confirm makes the new flavor the
  request spec's.
"""
from __future__ import annotations

import dataclasses
import json

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import server_create, server_tasks
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.cells.repo import flavors, host_mappings, migrations
from nubes.cells.repo import request_specs
from nubes.cells.repo import instance_actions
from nubes.cells.repo import instances as instance_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState
from nubes.conductor.super.rpcapi import SuperConductorAPI

_MOVABLE = (VmState.ACTIVE, VmState.STOPPED)
RESIZE = Task("resize", Action.RESIZE, _MOVABLE, TaskState.RESIZE_PREP)
MIGRATE = Task("migrate", Action.MIGRATE, _MOVABLE, TaskState.RESIZE_PREP)
CONFIRM = Task("confirmResize", Action.CONFIRM_RESIZE, (VmState.RESIZED,), None)
REVERT = Task("revertResize", Action.REVERT_RESIZE, (VmState.RESIZED,),
              TaskState.RESIZE_REVERTING)


def resize(state: ComputeState, ctx: RequestContext, uuid: str, flavor_ref: str, *,
           cross_cell: bool = False) -> None:
    located = _movable(state, ctx, uuid, RESIZE)
    instance = located.instance
    new = state.api_db.read(lambda conn: flavors.get(
        conn, flavor_ref, visible_to=instance.project_id, admin=ctx.is_admin))
    if new is None or new.disabled:
        raise exc.Invalid("Unable to locate requested flavor.")
    old = json.loads(instance.flavor or "{}")
    if old.get("flavorid") == new.flavorid:
        raise exc.Invalid("When resizing, instances must change flavor!")
    if new.root_gb < (instance.root_gb or 0):
        raise exc.Invalid("Resize to zero disk flavor is not allowed." if new.root_gb == 0
                          else "Unable to resize disk down.")
    try:
        cell_quota.check_growth(state.conf, state.api_db, state.cells, ctx,
                                instance.project_id,
                                vcpus=new.vcpus - (instance.vcpus or 0),
                                memory_mb=new.memory_mb - (instance.memory_mb or 0))
    except cell_quota.QuotaExceeded as err:
        raise exc.QuotaExceeded(str(err)) from None
    flavor = dataclasses.asdict(server_create.spec_flavor(new))
    _start_move(state, ctx, uuid, RESIZE, located, flavor=flavor, cross_cell=cross_cell)


def migrate(state: ComputeState, ctx: RequestContext, uuid: str, host: str | None, *,
            cross_cell: bool = False) -> None:
    located = _movable(state, ctx, uuid, MIGRATE)
    if host is not None:
        if state.api_db.read(lambda conn: host_mappings.get_by_host(conn, host)) is None:
            raise exc.Invalid(f"Compute host {host} could not be found.")
        if host == located.instance.host:
            raise exc.Invalid(f"The target host can't be the same one: {host}.")
    _start_move(state, ctx, uuid, MIGRATE, located, host=host, cross_cell=cross_cell)


def _movable(state: ComputeState, ctx: RequestContext, uuid: str, task: Task) -> Located:
    located = server_tasks.locate_live(state, uuid, task.verb)
    server_tasks.check(ctx, located, task)
    if state.api_transport is None:
        raise exc.Unavailable("Moving servers needs the super-conductor "
                              "([DEFAULT] transport_url).")
    return located


def _start_move(state: ComputeState, ctx: RequestContext, uuid: str, task: Task,
                located: Located, **move) -> None:
    server_tasks.start(state, ctx, uuid, task)
    SuperConductorAPI(state.api_transport).migrate_server(
        ctx, uuid, old_vm_state=located.instance.vm_state, **move).send()


def confirm(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    located, migration = _settle(state, ctx, uuid, CONFIRM, "confirming")
    new = json.loads(json.loads(migration["new_flavor"])["flavor"])

    def api_work(conn) -> None:
        spec = request_specs.get(conn, uuid)
        if spec is not None:
            spec["flavor"] = new
            request_specs.update(conn, uuid, spec)
    state.api_db.write(api_work)
    if migration.get("cross_cell_move"):
        SuperConductorAPI(state.api_transport).confirm_cross_cell(
            ctx, uuid, migration["uuid"]).send()
        return
    ComputeAPI(state.buses.require(located.cell)).confirm_resize(
        ctx, migration["source_compute"], uuid, migration_uuid=migration["uuid"]).send()


def revert(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    located, migration = _settle(state, ctx, uuid, REVERT, "reverting")
    if migration.get("cross_cell_move"):
        SuperConductorAPI(state.api_transport).revert_cross_cell(
            ctx, uuid, migration["uuid"]).send()
        return
    ComputeAPI(state.buses.require(located.cell)).revert_resize(
        ctx, migration["dest_compute"], uuid, migration_uuid=migration["uuid"]).send()


def _settle(state: ComputeState, ctx: RequestContext, uuid: str, task: Task,
            status: str) -> tuple[Located, dict]:
    """The finished migration set to ``status``, the task (if any) and the
    action started, in one cell transaction; (server, migration)."""
    located = server_tasks.locate_live(state, uuid, task.verb)
    server_tasks.check(ctx, located, task)

    def work(conn) -> dict | None:
        now = utcnow()
        found = [m for m in migrations.open_for_instance(conn, uuid)
                 if m["status"] == migrations.FINISHED]
        if not found or not migrations.set_status(conn, found[0]["uuid"], {"status": status},
                                                  now, expected=[migrations.FINISHED]):
            return None
        if not instance_repo.update(conn, uuid, {"task_state": task.task_state}, now,
                                    vm_states=task.vm_states, task_states=[None],
                                    unlocked=not ctx.is_admin):
            raise exc.Conflict(f"Cannot '{task.verb}' instance {uuid}: it changed meanwhile")
        instance_actions.start_action(conn, uuid, task.action, request_id=ctx.request_id,
                                      user_id=ctx.user_id,
                                      project_id=located.instance.project_id, now=now)
        return found[0]
    migration = state.cells.database(located.cell).write(work)
    if migration is None:
        raise exc.Invalid("Instance has not been resized.")
    return located, migration
