"""Absolute limits of a project for GET /limits.

Limits: :func:`nubes.cells.quota.limits` (the project's own quota rows,
else the ``default`` quota class, else ``[quota]``).  Usage: instances,
cores and RAM counted as the quota checks count them (every cell, cell0
included, plus the build requests), even when they are unlimited; server
groups from the API database.
"""
from __future__ import annotations

import dataclasses

from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.cells.repo import server_groups
from nubes.common.context import RequestContext

RESOURCES = cell_quota.RESOURCES


@dataclasses.dataclass(frozen=True)
class Limits:
    limits: dict[str, int]
    usage: dict[str, int]


def for_project(state: ComputeState, ctx: RequestContext, project_id: str) -> Limits:
    def work(conn):
        return (cell_quota.limits_in(conn, state.conf, project_id),
                server_groups.count(conn, project_id))
    found, groups = state.api_db.read(work)
    used = cell_quota.usage(state.api_db, state.cells, ctx, project_id)
    return Limits(found, dict(used, server_groups=groups))
