"""Bury in cell0: an instance that never got a host (no valid host, a
scheduler failure, a host with no mapping, a failed quota recheck) is
created in cell0 in ERROR, with a fault and a failed ``create`` action,
so the user sees the server and why it failed; its mapping points at
cell0 and its build request goes.

An instance refused by the quota recheck is marked so that counted quotas
leave it out (:data:`nubes.cells.repo.quota_usage.NOT_COUNTED`): the user
still sees it in ERROR with its fault, until deleting it.

If the build request is already gone the user deleted the server while it
was scheduling: the cell0 row is deleted again at once.
"""
from __future__ import annotations

import json
import logging

from nubes.cells.repo import build_requests, instance_mappings, quota_usage
from nubes.cells.repo import instance_actions as action_repo
from nubes.cells.repo import instances as cell_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute.states import ERROR, Action, PowerState, VmState
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.instance_values import instance_values
from nubes.scheduler.messages import RequestSpec

LOG = logging.getLogger(__name__)
EVENT = "conductor_schedule_and_build_instances"
FAULT_CODE = 500


def bury(api: ApiLevel, ctx: RequestContext, instance_uuid: str, spec: RequestSpec,
         reason: str, *, details: str | None = None, code: int = FAULT_CODE,
         counted: bool = True) -> bool:
    """Record the instance in cell0 in ERROR with a fault of ``code`` and
    ``reason``; False if its build request was already gone (deleted by
    the user: nothing is left behind).  ``counted=False``: marked so that
    counted quotas leave it out (a quota recheck's refusal)."""
    build_request = api.api_db.read(lambda conn: build_requests.get(conn,
                                                                            instance_uuid))
    if build_request is None:
        LOG.info("instance %s was deleted while scheduling", instance_uuid)
        return False
    cell0 = api.cells.cell0()
    db = api.cells.database(cell0)
    values = instance_values(build_requests.decode_instance(build_request.instance), instance_uuid, spec)
    values.update(vm_state=VmState.ERROR, task_state=None, power_state=PowerState.NOSTATE,
                  host=None, node=None)

    def cell_work(conn) -> None:
        now = utcnow()
        cell_repo.create(conn, values, now)
        cell_repo.add_tags(conn, instance_uuid, _tags(build_request))
        cell_repo.add_metadata(conn, instance_uuid, values.get("metadata"), now)
        cell_repo.add_fault(conn, instance_uuid, code=code, message=reason,
                            details=details, host=None, now=now)
        if not counted:
            quota_usage.mark_not_counted(conn, instance_uuid, now)
        action_id = action_repo.start_action(conn, instance_uuid, Action.CREATE,
                                           request_id=ctx.request_id,
                                           user_id=ctx.user_id or spec.user_id,
                                           project_id=spec.project_id, now=now)
        action_repo.start_event(conn, action_id, EVENT, host=None, now=now)
        action_repo.finish_event(conn, action_id, EVENT, result=ERROR, traceback=details or reason,
                               host=None, now=now)
        action_repo.finish_action(conn, action_id, now, failed=True)
    db.write(cell_work)

    def api_work(conn) -> bool:
        instance_mappings.point_at_cell(conn, instance_uuid, cell0.id)
        return build_requests.delete(conn, instance_uuid)
    if not api.api_db.write(api_work):
        LOG.info("instance %s was deleted while being buried in cell0", instance_uuid)
        db.write(lambda conn: cell_repo.soft_delete(
            conn, instance_uuid, utcnow(), {"vm_state": VmState.DELETED}))
        return False
    LOG.info("instance %s is in cell0 in ERROR: %s", instance_uuid, reason)
    return True


def _tags(build_request) -> list[str]:
    return json.loads(build_request.tags) if build_request.tags else []
