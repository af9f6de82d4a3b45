"""Counted quotas: the limits of a project and what its servers use.

Limits (:func:`limits`): the project's own quota rows, else the ``default``
quota class, else ``[quota]`` in the configuration; -1 is unlimited.

Usage of ``instances``, ``cores`` and ``ram`` (:func:`usage`) is counted at
check time, as OpenStack compute does since Pike (no stored usage): live,
not soft-deleted, not hidden instances in every cell (cell0 included: ERROR
servers count until deleted), plus the API database's build requests,
which compute's legacy counting leaves out; counting them closes most of
the window between two creates.  A cell that does not answer counts as
empty (the known under-count while a cell is down).

Two checks use it:

- the compute API before anything is written (:func:`allowed_count`:
  ``max_count`` shrinks to what fits, down to ``min_count``);
- the super-conductor after scheduling (:func:`recheck`, ``[quota]
  recheck_quota``): deltas 0, since the request's own servers are counted
  as build requests.  Build requests *newer* than the request's own are
  left out of its recheck (they count it in theirs), so when racing
  creates overshoot, the earliest accepted win instead of all failing.

Both the compute API and the super-conductor call this module; it reaches
the API database and the cell databases only.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.cells import scatter_gather as sg
from nubes.cells.repo import quota_usage, quota_limits
from nubes.cells.targeting import CellRegistry, cell_of
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database

COUNTED = ("instances", "cores", "ram")
RESOURCES = ("instances", "cores", "ram", "metadata_items", "injected_files",
             "injected_file_content_bytes", "injected_file_path_length", "key_pairs",
             "server_groups", "server_group_members")
GROUP_FULL = "Quota exceeded, too many servers in group"


class QuotaExceeded(Exception):
    """No room; ``str()`` is the message the user sees."""


@dataclasses.dataclass(frozen=True)
class Over:
    """One resource over its limit: ``requested`` on top of ``used``."""
    resource: str
    requested: int
    used: int
    limit: int

    def message(self) -> str:
        return (f"Quota exceeded for {self.resource}: Requested {self.requested}, but "
                f"already used {self.used} of {self.limit} {self.resource}")


# --- limits ------------------------------------------------------------------------------

def limits_in(conn, conf: Any, project_id: str | None) -> dict[str, int]:
    """Every resource's limit, read on an open API-database connection."""
    merged = {name: getattr(conf.quota, name) for name in RESOURCES}
    merged.update({k: v for k, v in quota_limits.class_limits(conn).items() if k in merged})
    if project_id is not None:
        merged.update({k: v for k, v in quota_limits.project_limits(conn, project_id).items()
                       if k in merged})
    return merged


def limits(conf: Any, api_db: Database, project_id: str | None) -> dict[str, int]:
    return api_db.read(lambda conn: limits_in(conn, conf, project_id))


def counted_unlimited(found: dict[str, int]) -> bool:
    """True when instances, cores and RAM are all unlimited: nothing to count."""
    return all(found.get(name, -1) < 0 for name in COUNTED)


def per_instance(vcpus: int, memory_mb: int) -> dict[str, int]:
    return {"instances": 1, "cores": int(vcpus or 0), "ram": int(memory_mb or 0)}


# --- usage -------------------------------------------------------------------------------

def usage(api_db: Database, cells: CellRegistry, ctx: RequestContext, project_id: str, *,
          up_to_build_request: int | None = None) -> dict[str, int]:
    """instances, cores and ram of the project's servers.  The API
    database is read before the cells: a server moving from build request
    to cell row (cell row first) is then counted once or twice, never
    missed."""
    used = api_db.read(lambda conn: quota_usage.in_build_requests(
        conn, project_id, up_to_id=up_to_build_request))

    def work(cctx):
        return cell_of(cctx).db.read(lambda conn: quota_usage.in_cell(conn, project_id))
    for found in sg.scatter_gather_all_cells(ctx, cells, work).values():
        if not sg.is_failure(found):
            for name in COUNTED:
                used[name] += found[name]
    return used


# --- checks ------------------------------------------------------------------------------

def first_over(found: dict[str, int], used: dict[str, int],
               requested: dict[str, int]) -> Over | None:
    """The first counted resource where ``used + requested`` passes its limit."""
    for name in COUNTED:
        limit = found.get(name, -1)
        if limit >= 0 and used[name] + requested[name] > limit:
            return Over(name, requested[name], used[name], limit)
    return None


def headroom(found: dict[str, int], used: dict[str, int], per: dict[str, int],
             most: int) -> int:
    """How many servers of ``per`` fit, at most ``most``."""
    room = most
    for name in COUNTED:
        limit = found.get(name, -1)
        if limit >= 0 and per[name] > 0:
            room = min(room, max(limit - used[name], 0) // per[name])
    return room


def allowed_count(conf: Any, api_db: Database, cells: CellRegistry, ctx: RequestContext,
                  project_id: str, *, min_count: int, max_count: int, vcpus: int,
                  memory_mb: int, found: dict[str, int] | None = None) -> int:
    """How many servers may be created (``max_count``, or fewer but at
    least ``min_count``); raises :class:`QuotaExceeded` otherwise.
    ``found``: the project's limits, if the caller has just read them."""
    if found is None:
        found = limits(conf, api_db, project_id)
    if counted_unlimited(found):
        return max_count
    used = usage(api_db, cells, ctx, project_id)
    per = per_instance(vcpus, memory_mb)
    room = headroom(found, used, per, max_count)
    if room >= min_count:
        return room
    over = first_over(found, used, {k: v * min_count for k, v in per.items()})
    raise QuotaExceeded(over.message() if over else "Quota exceeded")


def recheck(conf: Any, api_db: Database, cells: CellRegistry, ctx: RequestContext,
            project_id: str, instance_uuids: list[str], *, vcpus: int,
            memory_mb: int, found: dict[str, int] | None = None) -> Over | None:
    """After scheduling: is the project over a counted limit, with this
    request's servers (still build requests) counted?  ``None`` when not,
    when everything counted is unlimited, or when none of the request's
    build requests is left (deleted meanwhile: nothing to refuse).
    ``found``: the project's limits, if the caller has just read them."""
    if found is None:
        found = limits(conf, api_db, project_id)
    if counted_unlimited(found):
        return None
    ids = api_db.read(lambda conn: quota_usage.build_request_ids(conn, instance_uuids))
    if not ids:
        return None
    used = usage(api_db, cells, ctx, project_id, up_to_build_request=max(ids))
    per = per_instance(vcpus, memory_mb)
    own = {name: per[name] * len(ids) for name in COUNTED}
    others = {name: max(used[name] - own[name], 0) for name in COUNTED}
    # The message speaks of the whole request, as the user made it.
    requested = {name: per[name] * len(instance_uuids) for name in COUNTED}
    for name in COUNTED:
        limit = found.get(name, -1)
        if limit >= 0 and used[name] > limit:
            return Over(name, requested[name], others[name], limit)
    return None


def check_group_members(conn, conf: Any, project_id: str | None, group_id: int,
                        user_id: str | None, adding: int) -> None:
    """Inside the API-database transaction that adds ``adding`` members to
    a group: raises :class:`QuotaExceeded` when the user's live servers in
    the group would pass ``server_group_members``."""
    if adding <= 0:
        return
    # The lock first: on snapshot backends the reads below then see every
    # member a concurrent create committed before it let go.
    quota_usage.lock_group(conn, group_id)
    limit = limits_in(conn, conf, project_id)["server_group_members"]
    if limit >= 0 and quota_usage.group_members(conn, group_id, user_id) + adding > limit:
        raise QuotaExceeded(GROUP_FULL)
