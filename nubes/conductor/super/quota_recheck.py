"""The super-conductor's quota recheck (``[quota] recheck_quota``).

After the scheduler has chosen (and claimed) hosts and before any instance
is created in a cell, instances, cores and RAM are counted again with
deltas 0 (:func:`nubes.cells.quota.recheck`: the request's own servers
are still build requests and counted as such).  If racing creates pushed
the project over a limit, every instance of the request has its claim
released and is buried in cell0 in ERROR with a quota fault ("Quota
exceeded for instances: Requested 1, but already used 10 of 10
instances"), as OpenStack compute errors the instances of a failed
recheck.  Unlike OpenStack compute, those instances are not counted
against the project (they are marked when buried): losers never push
the winners of a race out.  Nothing is counted when instances, cores and
RAM are all unlimited.

The compute API counts and writes under the project's quota lock, so the
recheck only refuses when a limit was lowered between accept and
recheck, or an API without the lock let a create through.
"""
from __future__ import annotations

import logging

from nubes.cells import quota
from nubes.common.context import RequestContext
from nubes.conductor.super import cell0
from nubes.conductor.super.api_level import ApiLevel
from nubes.scheduler.messages import RequestSpec

LOG = logging.getLogger(__name__)
# The fault's code: what the compute API answers for the same condition.
FAULT_CODE = 403


def refuse_if_over(api: ApiLevel, ctx: RequestContext, spec: RequestSpec,
                   instance_uuids: list[str], *, limits: dict[str, int] | None = None
                   ) -> dict[str, str] | None:
    """None when the request may go on; otherwise what became of each
    instance (``cell0``, or ``deleted`` if the user deleted it meanwhile).
    ``limits``: the project's limits, if the caller has just read them."""
    if not api.conf.quota.recheck_quota:
        return None
    project_id = spec.project_id or ctx.project_id
    flavor = spec.flavor
    try:
        over = quota.recheck(api.conf, api.api_db, api.cells, ctx, project_id,
                             list(instance_uuids), vcpus=flavor.vcpus if flavor else 0,
                             memory_mb=flavor.memory_mb if flavor else 0, found=limits)
    except Exception:  # noqa: BLE001 - a failed count must not lose the build
        LOG.exception("quota recheck of %s failed; building anyway", instance_uuids)
        return None
    if over is None:
        return None
    reason = over.message()
    LOG.info("quota recheck refused %s of project %s: %s", instance_uuids, project_id, reason)
    outcome = {}
    for uuid in instance_uuids:
        _release(api, ctx, uuid)
        buried = cell0.bury(api, ctx, uuid, spec, reason, code=FAULT_CODE, counted=False)
        outcome[uuid] = "cell0" if buried else "deleted"
    return outcome


def _release(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> None:
    try:
        api.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
    except Exception:  # noqa: BLE001
        LOG.exception("could not release the claim of %s", instance_uuid)
