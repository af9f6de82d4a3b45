"""Soft delete and restore on this host, and the periodic reclaim.

With ``reclaim_instance_interval`` set, the API turns a delete into a soft
delete: it set task_state ``soft-deleting`` and started the ``delete``
action; here the guest is powered off and the instance left SOFT_DELETED
(its allocations stay: a restore needs them).  ``restore`` (task state
``restoring``, set by the API) powers it on again.  The host's periodic
reclaim terminates instances SOFT_DELETED for longer than the interval,
as a delete would.
"""
from __future__ import annotations

import logging

from nubes.common.context import RequestContext
from nubes.compute.operations import Host, delete
from nubes.compute.operations.power import run_guest_operation
from nubes.compute.states import TaskState, VmState
from nubes.conductor.cell.messages import InstanceNotFound, UnexpectedTaskState

LOG = logging.getLogger(__name__)
RECLAIM_BATCH = 50     # instances one reclaim run terminates at most


def soft_delete_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return run_guest_operation(host, ctx, instance_uuid, "compute_soft_delete_instance",
                               [TaskState.SOFT_DELETING],
                               lambda: host.driver.power_off(instance_uuid),
                               VmState.SOFT_DELETED)


def restore_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    return run_guest_operation(host, ctx, instance_uuid, "compute_restore_instance",
                               [TaskState.RESTORING],
                               lambda: host.driver.power_on(instance_uuid), VmState.ACTIVE)


def reclaim(host: Host, ctx: RequestContext, interval: float) -> int:
    """Terminate this host's instances SOFT_DELETED for over ``interval``
    seconds; how many were."""
    uuids = host.conductor.instances_idle_in_state(ctx, host.name, VmState.SOFT_DELETED,
                                                   interval, limit=RECLAIM_BATCH)
    done = 0
    for uuid in uuids:
        try:   # claim it first: a restore may have started meanwhile
            host.conductor.instance_update(ctx, uuid, {"task_state": TaskState.DELETING},
                                           expected_task_state=[None],
                                           expected_vm_state=[VmState.SOFT_DELETED])
        except (InstanceNotFound, UnexpectedTaskState):
            continue
        LOG.info("reclaiming soft-deleted instance %s", uuid)
        if delete.terminate_instance(host, ctx, instance_uuid=uuid):
            done += 1
    return done
