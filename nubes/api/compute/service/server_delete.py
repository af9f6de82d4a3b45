"""``DELETE /servers/{id}``, wherever the server is.  Returns which path
it took:

* ``build_request``: not in a cell yet.  The build request is deleted and
  the mapping marked ``queued_for_delete``; any claim the scheduler already
  made is released (the super-conductor notices the missing build request
  and cleans up whatever it was creating);
* ``soft``: ``reclaim_instance_interval`` is set, the server has run and
  its host is up: task_state ``soft-deleting`` and a ``delete`` action are
  committed and ``soft_delete_instance`` cast; the host powers the guest
  off and leaves it SOFT_DELETED (allocations held, quota not counted)
  until ``restore``, ``forceDelete`` or its periodic reclaim;
* ``compute``: the instance's host is up.  task_state ``deleting`` and a
  ``delete`` action are committed, then ``terminate_instance`` is cast to
  the host on the cell's bus (the host destroys the guest, marks the row
  deleted and removes the allocations);
* ``local``: in cell0, no host, or the host's compute service is down
  ("local delete"): the row is marked deleted here and the allocations
  removed;

On the ``build_request`` and ``local`` paths the server's volumes are
released here (every attachment deleted, the volumes marked
``delete_on_termination`` deleted); on the host's path the host does it.
* ``already_deleted``: nothing left to do.

A SHELVED or SHELVED_OFFLOADED server's snapshot image (the shelve's
``shelved_image_id``) is deleted once the ``compute`` or ``local`` path
has committed.

The mapping is marked ``queued_for_delete`` on every path.  A locked
server is a 409 for callers who are not admins.
"""
from __future__ import annotations

import json
import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import boot_volumes, instance_cells, server_shelve
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import block_device_mappings, build_requests, instance_actions
from nubes.cells.repo import host_mappings, instance_mappings, migrations
from nubes.cells.repo import instances as instance_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, PowerState, TaskState, VmState

LOG = logging.getLogger(__name__)
LOCAL_EVENT = "api_local_delete"


def delete(state: ComputeState, ctx: RequestContext, uuid: str, *,
           force: bool = False) -> str:
    """``force`` (the forceDelete action): never a soft delete."""
    if state.placement is None:
        raise exc.Unavailable("Server actions need placement ([placement_client] endpoint).")
    mapping = instance_cells.mapping_of(state, uuid)
    if mapping.cell_id is None:
        if _delete_build_request(state, ctx, uuid):
            return "build_request"
        # The super-conductor moved it to a cell (or buried it) meanwhile.
        mapping = instance_cells.mapping_of(state, uuid)
        if mapping.cell_id is None:
            raise instance_cells.not_found(uuid)

    located = instance_cells.locate(state, mapping)
    instance, cell = located.instance, located.cell
    if instance is not None and not instance.deleted and instance.locked \
            and not ctx.is_admin:
        raise exc.Conflict(f"Instance {uuid} is locked")
    state.api_db.write(lambda conn: instance_mappings.queue_for_delete(conn, uuid))
    if instance is None or instance.deleted:
        return "already_deleted"
    _end_moves(state, ctx, located)
    shelved_image = server_shelve.shelved_image(state, located) if instance.vm_state in (
        VmState.SHELVED, VmState.SHELVED_OFFLOADED) else None
    if not cell.is_cell0 and instance.host and \
            instance_cells.compute_is_up(state, cell, instance.host):
        if not force and _soft(state, instance):
            return _soft_delete_on_host(state, ctx, located)
        path = _delete_on_host(state, ctx, located)
    else:
        path = _local_delete(state, ctx, located)
    if shelved_image is not None and path != "already_deleted":
        server_shelve.delete_shelved_image(state, ctx, shelved_image)
    return path


def _end_moves(state: ComputeState, ctx: RequestContext, located: Located) -> None:
    """A server deleted mid-move: its moves end (``error``) and the
    allocations their migrations hold on the source go, and so does what
    a move left on its source (see :func:`_leave_source`)."""
    uuid = located.mapping.instance_uuid

    def work(conn) -> list[dict]:
        ended = migrations.open_for_instance(conn, uuid)
        for migration in ended:
            migrations.set_status(conn, migration["uuid"], {"status": "error"}, utcnow())
        return ended
    for migration in state.cells.database(located.cell).write(work):
        _release(state, ctx, migration["uuid"])
        _leave_source(state, ctx, located, migration)


def _leave_source(state: ComputeState, ctx: RequestContext, located: Located,
                  migration: dict) -> None:
    """A server that left its source (waiting for confirmation, or being
    reverted) has a powered-off guest there, and across cells a hidden copy
    in the source cell: the guest goes (cast to the source host, when it is
    up; its start reconciles it otherwise) and the copy is deleted (its
    volume mappings too when the host is down: the host deleting the
    server deletes every attachment it has, the source's included)."""
    uuid, source = located.mapping.instance_uuid, migration.get("source_compute")
    if not source or located.instance is None or source == located.instance.host:
        return
    mapped = state.api_db.read(lambda conn: host_mappings.get_by_host(conn, source))
    if mapped is None:
        return
    cell = state.cells.get(mapped.cell_uuid)
    up = instance_cells.compute_is_up(state, cell, source)
    if cell.uuid != located.cell.uuid:
        now = utcnow()

        def leave(conn) -> None:
            instance_repo.soft_delete(conn, uuid, now, {"task_state": None}, hidden_only=True)
            migrations.set_status(conn, migration["uuid"], {"status": "error"}, now)
            if not up:  # else its host drops them with its volume reservations
                block_device_mappings.soft_delete_all(conn, uuid, now)
        state.cells.database(cell).write(leave)
    if up:
        ComputeAPI(state.buses.require(cell)).drop_guest(ctx, source, uuid).send()


def _soft(state: ComputeState, instance) -> bool:
    return (state.conf.reclaim_instance_interval > 0 and instance.launched_at is not None
            and instance.vm_state != VmState.SOFT_DELETED)


def _soft_delete_on_host(state: ComputeState, ctx: RequestContext, located: Located) -> str:
    uuid, instance = located.mapping.instance_uuid, located.instance
    if not instance_cells.start_task(state, ctx, located,
                                     {"task_state": TaskState.SOFT_DELETING}, Action.DELETE,
                                     task_states=[None], unlocked=not ctx.is_admin):
        raise exc.Conflict(f"Cannot 'delete' instance {uuid} while it is in task_state "
                           f"{_task_now(state, located)}")
    ComputeAPI(state.buses.require(located.cell)).soft_delete_instance(
        ctx, instance.host, uuid).send()
    return "soft"


def _task_now(state: ComputeState, located: Located) -> str | None:
    now = instance_cells.locate(state, located.mapping).instance
    return None if now is None else now.task_state


def _delete_build_request(state: ComputeState, ctx: RequestContext, uuid: str) -> bool:
    def work(conn) -> list[dict] | None:
        row = build_requests.get(conn, uuid)
        if row is None or not build_requests.delete(conn, uuid):
            return None
        instance_mappings.queue_for_delete(conn, uuid)
        return json.loads(row.block_device_mappings or "[]")
    disks = state.api_db.write(work)
    if disks is None:
        return False
    _release(state, ctx, uuid)
    boot_volumes.release_instance(state, ctx, uuid, disks)
    LOG.info("deleted %s while it was a build request", uuid)
    return True


def _delete_on_host(state: ComputeState, ctx: RequestContext, located: Located) -> str:
    uuid, instance = located.mapping.instance_uuid, located.instance
    if not instance_cells.start_task(state, ctx, located, {"task_state": TaskState.DELETING},
                                     Action.DELETE, unlocked=not ctx.is_admin):
        return "already_deleted"
    ComputeAPI(state.buses.require(located.cell)).terminate_instance(
        ctx, instance.host, uuid).send()
    return "compute"


def _local_delete(state: ComputeState, ctx: RequestContext, located: Located) -> str:
    uuid = located.mapping.instance_uuid

    disks: list[dict] = []

    def cell_work(conn) -> bool:
        now = utcnow()
        disks[:] = block_device_mappings.volumes_of(conn, uuid)
        block_device_mappings.soft_delete_all(conn, uuid, now)
        if not instance_repo.soft_delete(conn, uuid, now, {
                "vm_state": VmState.DELETED, "task_state": None,
                "power_state": PowerState.NOSTATE, "terminated_at": now}):
            return False
        action_id = instance_actions.start_action(
            conn, uuid, Action.DELETE, request_id=ctx.request_id, user_id=ctx.user_id,
            project_id=located.instance.project_id, now=now)
        instance_actions.start_event(conn, action_id, LOCAL_EVENT, host=None, now=now)
        instance_actions.finish_event(conn, action_id, LOCAL_EVENT, result="Success",
                                      traceback=None, host=None, now=now)
        instance_actions.finish_action(conn, action_id, now)
        return True
    if not state.cells.database(located.cell).write(cell_work):
        return "already_deleted"
    _release(state, ctx, uuid)
    boot_volumes.release_instance(state, ctx, uuid, disks)
    LOG.info("deleted %s locally (in %s, host %s)", uuid, located.cell.label,
             located.instance.host)
    return "local"


def _release(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    try:
        state.placement.delete_allocations(uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001 - the instance is gone; an audit finds the rest
        LOG.exception("could not remove the allocations of %s", uuid)
