"""Deleting a server, wherever it is: the entry point the compute API's
``DELETE /servers/{id}`` calls (in the API process: it has the API
database, every cell's database and bus, and placement)::

    from nubes.conductor.tasks.delete import delete_server
    how = delete_server(api_level, ctx, server_id)   # InstanceNotFound -> 404

``how`` says which path it took:

* ``build_request``: not in a cell yet.  The build request is deleted and
  the mapping marked ``queued_for_delete``; any claim the scheduler already
  made is released (the super-conductor notices the missing build request
  and cleans up whatever it was creating);
* ``compute``: the instance's host is up.  task_state ``deleting`` and a
  ``delete`` action are committed, then ``terminate_instance`` is cast to
  the host on the cell's bus (the host destroys the guest, marks the row
  deleted and removes the allocations);
* ``local``: in cell0, no host, or the host's compute service is down
  ("local delete"): the row is marked deleted here and the allocations
  removed;
* ``already_deleted``: nothing left to do.

The mapping is marked ``queued_for_delete`` on every path.
"""
from __future__ import annotations

import logging

from nubes.cells.repo import build_requests_write as api_repo
from nubes.cells.repo import instance_writes as cell_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.states import Action, PowerState, TaskState, VmState
from nubes.conductor.messages import InstanceNotFound
from nubes.conductor.tasks.api_cells import compute_is_up, locate, mapping_of
from nubes.conductor.tasks.context import ApiLevel

LOG = logging.getLogger(__name__)
LOCAL_EVENT = "api_local_delete"


def delete_server(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> str:
    mapping = mapping_of(api, instance_uuid)
    if mapping.cell_id is None:
        def work(conn) -> bool:
            if not api_repo.delete_build_request(conn, instance_uuid):
                return False
            api_repo.queue_for_delete(conn, instance_uuid)
            return True
        if api.api_db.write(work):
            _release(api, ctx, instance_uuid)
            LOG.info("deleted %s while it was a build request", instance_uuid)
            return "build_request"
        # The super-conductor moved it to a cell (or buried it) meanwhile.
        mapping = mapping_of(api, instance_uuid)
        if mapping.cell_id is None:
            raise InstanceNotFound(f"Instance {instance_uuid} could not be found.")

    api.api_db.write(lambda conn: api_repo.queue_for_delete(conn, instance_uuid))
    located = locate(api, mapping)
    instance, cell = located.instance, located.cell
    if instance is None or instance.deleted:
        return "already_deleted"
    if not cell.is_cell0 and instance.host and compute_is_up(api, cell, instance.host):
        db = api.cell_db(cell)

        def cell_work(conn) -> bool:
            now = utcnow()
            if not cell_repo.update(conn, instance_uuid,
                                    {"task_state": TaskState.DELETING}, now):
                return False
            cell_repo.start_action(conn, instance_uuid, Action.DELETE,
                                   request_id=ctx.request_id, user_id=ctx.user_id,
                                   project_id=instance.project_id, now=now)
            return True
        if not db.write(cell_work):
            return "already_deleted"
        api.buses.compute(cell).terminate_instance(ctx, instance.host, instance_uuid).send()
        return "compute"
    return _local_delete(api, ctx, located)


def _local_delete(api: ApiLevel, ctx: RequestContext, located) -> str:
    uuid = located.mapping.instance_uuid

    def cell_work(conn) -> bool:
        now = utcnow()
        if not cell_repo.soft_delete(conn, uuid, now, {
                "vm_state": VmState.DELETED, "task_state": None,
                "power_state": PowerState.NOSTATE, "terminated_at": now}):
            return False
        action_id = cell_repo.start_action(conn, uuid, Action.DELETE,
                                           request_id=ctx.request_id, user_id=ctx.user_id,
                                           project_id=located.instance.project_id, now=now)
        cell_repo.start_event(conn, action_id, LOCAL_EVENT, host=None, now=now)
        cell_repo.finish_event(conn, action_id, LOCAL_EVENT, result="Success",
                               traceback=None, host=None, now=now)
        cell_repo.finish_action(conn, action_id, now)
        return True
    if not api.cell_db(located.cell).write(cell_work):
        return "already_deleted"
    _release(api, ctx, uuid)
    LOG.info("deleted %s locally (in %s, host %s)", uuid, located.cell.label,
             located.instance.host)
    return "local"


def _release(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> None:
    try:
        api.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001 - the instance is gone; an audit finds the rest
        LOG.exception("could not remove the allocations of %s", instance_uuid)
