"""os-simple-tenant-usage: what each project's servers used in a period.

The instances that ran during the period (launched before its end, not
terminated before its start; deleted ones included) are read from every
cell at once and merged in one order, project then uuid, so a page
(``limit`` servers after the ``marker`` server) is the same whichever cell
holds what.  A server's hours are the part of the period it ran (a server
still running counts to the period's end); usage is hours times the size
the instance records (its flavor at boot).  A cell that does not answer
is left out with a warning.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import lister
from nubes.cells import scatter_gather as sg
from nubes.cells import sort_order as ordering
from nubes.cells.repo import instance_usage as usage_repo
from nubes.cells.targeting import cell_of
from nubes.common import timeutils
from nubes.common.context import RequestContext

LOG = logging.getLogger(__name__)
ORDER = ordering.sort_order(["project_id", "uuid"], ["asc", "asc"])
TERMINATED = "terminated"


@dataclasses.dataclass(frozen=True)
class ServerUsage:
    instance_id: str
    name: str | None
    tenant_id: str | None
    flavor: str
    hours: float
    memory_mb: int
    local_gb: int
    vcpus: int
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    state: str | None
    uptime: int


@dataclasses.dataclass
class TenantUsage:
    tenant_id: str | None
    start: datetime.datetime
    stop: datetime.datetime
    total_hours: float = 0.0
    total_local_gb_usage: float = 0.0
    total_vcpus_usage: float = 0.0
    total_memory_mb_usage: float = 0.0
    server_usages: list[ServerUsage] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class UsagePage:
    tenants: list[TenantUsage]     # in project order
    servers: list[ServerUsage]     # the page, in order (the last one is the next marker)


def hours_for(launched: datetime.datetime | None, terminated: datetime.datetime | None,
              start: datetime.datetime, stop: datetime.datetime) -> float:
    """The hours of [start, stop] the server ran (to ``stop`` if still running)."""
    if launched is None or (terminated is not None and terminated < start) or launched > stop:
        return 0.0
    end = min(stop, terminated) if terminated is not None else stop
    return (end - max(launched, start)).total_seconds() / 3600.0


def _flavor_name(text: str | None) -> str:
    try:
        return str((json.loads(text) if text else {}).get("name") or "")
    except (ValueError, AttributeError):
        return ""


def server_usage(record: dict, start: datetime.datetime, stop: datetime.datetime,
                 now: datetime.datetime) -> ServerUsage:
    launched, terminated = record["launched_at"], record["terminated_at"]
    state = TERMINATED if terminated is not None else record["vm_state"]
    uptime = (terminated if terminated is not None else now) - launched
    return ServerUsage(
        instance_id=record["uuid"], name=record["display_name"],
        tenant_id=record["project_id"], flavor=_flavor_name(record["flavor"]),
        hours=hours_for(launched, terminated, start, stop),
        memory_mb=record["memory_mb"] or 0,
        local_gb=(record["root_gb"] or 0) + (record["ephemeral_gb"] or 0),
        vcpus=record["vcpus"] or 0, started_at=launched, ended_at=terminated,
        state=state, uptime=int(uptime.total_seconds()))


def summarise(servers: list[ServerUsage], start: datetime.datetime,
              stop: datetime.datetime) -> list[TenantUsage]:
    tenants: dict[str | None, TenantUsage] = {}
    for s in servers:
        tenant = tenants.setdefault(s.tenant_id, TenantUsage(s.tenant_id, start, stop))
        tenant.total_hours += s.hours
        tenant.total_local_gb_usage += s.local_gb * s.hours
        tenant.total_vcpus_usage += s.vcpus * s.hours
        tenant.total_memory_mb_usage += s.memory_mb * s.hours
        tenant.server_usages.append(s)
    return list(tenants.values())


def _marker_values(state: ComputeState, ctx: RequestContext, marker: str) -> tuple:
    results = sg.scatter_gather(
        ctx, state.cells.cells(),
        lambda cctx: cell_of(cctx).db.read(lambda conn: usage_repo.marker(conn, marker)),
        databases=state.cells.databases)
    for result in results.values():
        if result is not None and not sg.is_failure(result):
            return ORDER.values(result)
    raise exc.Invalid(f"Marker {marker} could not be found.")


def usage(state: ComputeState, ctx: RequestContext, start: datetime.datetime,
          stop: datetime.datetime, *, project_id: str | None, limit: int,
          marker: str | None = None) -> UsagePage:
    """One page of server usages in [start, stop] (of ``project_id``, or of
    every project), summed per project."""
    after = None if marker is None else _marker_values(state, ctx, marker)

    def query(conn, _cell):
        return usage_repo.active_in_window(conn, start, stop, project_id=project_id,
                                           order=ORDER, after=after, limit=limit)

    pages = lister.list_sorted(ctx, state.cells, state.cells.cells(), query, ORDER, limit)
    for cell in pages.failed:
        LOG.warning("cell %s did not answer: its servers' usage is left out", cell.label)
    now = timeutils.utcnow()
    servers = [server_usage(r, start, stop, now) for r in pages.records]
    return UsagePage(summarise(servers, start, stop), servers)
