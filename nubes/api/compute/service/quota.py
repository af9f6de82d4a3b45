"""Counted quota for creating servers, as the compute API checks it (before
writing anything, then under the project's lock in the transaction that
writes): a thin caller of :mod:`nubes.cells.quota` (limits, counting,
headroom; the project's limits and, when the user has their own, the
user's) that turns "no room" into a 403.  The super-conductor
rechecks after scheduling (:mod:`nubes.conductor.super.quota_recheck`)."""
from __future__ import annotations

import dataclasses

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.common.context import RequestContext


@dataclasses.dataclass(frozen=True)
class Request:
    min_count: int
    max_count: int
    vcpus: int
    memory_mb: int


def allowed_count(state: ComputeState, ctx: RequestContext, project_id: str,
                  req: Request, found: dict[str, int] | None = None) -> int:
    """How many of ``req`` may be created (``max_count``, or fewer but at
    least ``min_count``); raises :class:`exc.QuotaExceeded` otherwise.
    ``found``: the project's limits when the caller has read them."""
    try:
        return cell_quota.allowed_count(
            state.conf, state.api_db, state.cells, ctx, project_id,
            min_count=req.min_count, max_count=req.max_count, vcpus=req.vcpus,
            memory_mb=req.memory_mb, found=found, user_id=ctx.user_id)
    except cell_quota.QuotaExceeded as err:
        raise exc.QuotaExceeded(str(err)) from None


def claim(conn, state: ComputeState, ctx: RequestContext, project_id: str,
          req: Request, found: dict[str, int] | None = None) -> int:
    """:func:`allowed_count` again, inside the API-database transaction
    that writes the servers, under the project's quota lock: the number
    it allows is the number written."""
    try:
        return cell_quota.claim(conn, state.conf, state.cells, ctx, project_id,
                                min_count=req.min_count, max_count=req.max_count,
                                vcpus=req.vcpus, memory_mb=req.memory_mb, found=found,
                                user_id=ctx.user_id)
    except cell_quota.QuotaExceeded as err:
        raise exc.QuotaExceeded(str(err)) from None


def limits_in(conn, state: ComputeState, project_id: str) -> dict[str, int]:
    """Every resource's limit for ``project_id`` (-1: unlimited), read on an
    open API-database connection."""
    return cell_quota.limits_in(conn, state.conf, project_id)
