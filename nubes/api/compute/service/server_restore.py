"""``restore``: bring a SOFT_DELETED server back (``forceDelete`` is
:func:`.server_delete.delete` with ``force``).

A soft-deleted server does not count against the quota, so restoring it
claims room again: under the project's quota lock, in the API-database
transaction that also un-marks its mapping, the cell row moves to task
state ``restoring`` (and the ``restore`` action starts); then the host is
asked to power it on.  No room: 403, nothing written.
"""
from __future__ import annotations

from nubes.api.compute.service import quota, server_tasks
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import instance_mappings
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState

RESTORE = Task("restore", Action.RESTORE, (VmState.SOFT_DELETED,), TaskState.RESTORING)


def restore(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    located = server_tasks.locate_live(state, uuid, RESTORE.verb)
    server_tasks.check(ctx, located, RESTORE)
    instance = located.instance
    wanted = quota.Request(min_count=1, max_count=1, vcpus=instance.vcpus or 0,
                           memory_mb=instance.memory_mb or 0)

    def work(conn) -> None:
        quota.claim(conn, state, ctx, instance.project_id, wanted)
        server_tasks.start(state, ctx, uuid, RESTORE)
        instance_mappings.queue_for_delete(conn, uuid, queued=False)
    state.api_db.write(work)
    ComputeAPI(state.buses.require(located.cell)).restore_instance(
        ctx, instance.host, uuid).send()
