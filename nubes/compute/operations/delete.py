"""Terminate an instance on this host: destroy the guest, release its
volumes (attachments deleted, ``delete_on_termination`` volumes deleted:
:func:`nubes.compute.operations.volumes.release_all`), mark the row
deleted (vm_state deleted, ``deleted`` set, ``terminated_at``), then remove
its allocations from placement.

The API set task_state ``deleting`` and started the ``delete`` action
before casting here.
"""
from __future__ import annotations

import logging
import traceback

from nubes.common.context import RequestContext
from nubes.compute.operations import Host, volumes
from nubes.compute.states import PowerState
from nubes.conductor.cell.messages import fault

LOG = logging.getLogger(__name__)
EVENT = "compute_terminate_instance"


def terminate_instance(host: Host, ctx: RequestContext, *, instance_uuid: str) -> bool:
    """False if the instance was already gone."""
    with host.locks.hold(instance_uuid):
        conductor = host.conductor
        conductor.action_event_start(ctx, instance_uuid, EVENT, host=host.name)
        try:
            host.driver.destroy(instance_uuid)
        except Exception as exc:  # noqa: BLE001 - the row stays, in error, for a retry
            LOG.exception("destroying %s failed", instance_uuid)
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            conductor.instance_update(ctx, instance_uuid,
                                      {"vm_state": "error", "task_state": None},
                                      fault=fault(500, text, host=host.name))
            conductor.action_event_finish(ctx, instance_uuid, EVENT, host=host.name,
                                          error=text)
            return False
        volumes.release_all(host, ctx, instance_uuid)
        record = conductor.instance_destroy(ctx, instance_uuid,
                                            {"power_state": PowerState.NOSTATE})
        try:
            host.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
        except Exception:  # noqa: BLE001 - left for an audit; the row is deleted
            LOG.exception("could not remove the allocations of %s", instance_uuid)
        conductor.action_event_finish(ctx, instance_uuid, EVENT, host=host.name,
                                      finish_action=True)
        LOG.info("instance %s terminated on %s", instance_uuid, host.name)
        return record is not None
