"""Counted quotas for creating servers (instances, cores, RAM).

Limits: the project's quota rows, else the ``default`` quota class, else
``[quota]`` (as ``GET /limits`` shows them; -1 is unlimited).  Usage is
counted at check time, as OpenStack compute does since Pike: every cell
in parallel (live, not soft-deleted instances) plus the API database's
build requests (which compute's legacy counting leaves out; counting them
closes most of the window between two creates).  A cell that does not
answer counts as empty.  There is no recheck after the build: two racing
creates near the limit may both pass.
"""
from __future__ import annotations

import dataclasses

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import limits as limits_service
from nubes.api.compute.state import ComputeState
from nubes.cells import scatter_gather as sg
from nubes.cells.repo import instance_usage
from nubes.cells.targeting import cell_of
from nubes.common.context import RequestContext

COUNTED = ("instances", "cores", "ram")


@dataclasses.dataclass(frozen=True)
class Request:
    min_count: int
    max_count: int
    vcpus: int
    memory_mb: int


def usage(state: ComputeState, ctx: RequestContext, project_id: str) -> dict[str, int]:
    used = state.api_db.read(lambda conn: instance_usage.in_build_requests(conn, project_id))

    def work(cctx):
        return cell_of(cctx).db.read(lambda conn: instance_usage.in_cell(conn, project_id))
    results = sg.scatter_gather_all_cells(ctx, state.cells, work)
    for found in results.values():
        if not sg.is_failure(found):
            for name in COUNTED:
                used[name] += found[name]
    return used


def allowed_count(state: ComputeState, ctx: RequestContext, project_id: str,
                  req: Request) -> int:
    """How many of ``req`` may be created (``max_count``, or fewer but at
    least ``min_count``); raises :class:`exc.QuotaExceeded` otherwise."""
    limits = limits_service.for_project(state, project_id).limits
    if all(limits.get(name, -1) < 0 for name in COUNTED):
        return req.max_count        # unlimited: nothing to count
    used = usage(state, ctx, project_id)
    per = {"instances": 1, "cores": req.vcpus, "ram": req.memory_mb}
    room = req.max_count
    for name in COUNTED:
        limit = limits.get(name, -1)
        if limit < 0 or per[name] == 0:
            continue
        room = min(room, max(limit - used[name], 0) // per[name])
    if room >= req.min_count:
        return room
    for name in COUNTED:
        limit = limits.get(name, -1)
        wanted = per[name] * req.min_count
        if limit >= 0 and used[name] + wanted > limit:
            raise exc.QuotaExceeded(
                f"Quota exceeded for {name}: Requested {wanted}, but already used "
                f"{used[name]} of {limit} {name}")
    raise exc.QuotaExceeded("Quota exceeded")
