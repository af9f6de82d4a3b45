"""Counted quotas: the limits of a project and what its servers use.

Limits (:func:`limits_in`), one rule for GET /limits, the quota sets and
every check: the user's own row in the project (``project_user_quotas``,
only when a user is named), else the project's row (``quotas``), else the
``default`` quota class, else ``[quota]`` in the configuration; -1 is
unlimited.  A server create checks the project's limits against the
project's usage and, when its user has limits of their own on instances,
cores or RAM, those against the user's usage too (:func:`allowed_count`,
:func:`claim`; the super-conductor's recheck is project-wide).

Usage of ``instances``, ``cores`` and ``ram`` (:func:`usage`) is counted at
check time, as OpenStack compute does since Pike (no stored usage): live,
not soft-deleted, not hidden instances in every cell (cell0 included: ERROR
servers count until deleted, except those the recheck refused, which never
count), plus the API database's build requests, which compute's legacy
counting leaves out.  Each server is counted once: build requests first,
then the cells without the servers already counted.  A cell that does not
answer counts as empty (the known under-count while a cell is down).

Three checks use it:

- the compute API before anything is written (:func:`allowed_count`:
  ``max_count`` shrinks to what fits, down to ``min_count``), unlocked: a
  quick 403;
- the compute API again inside the transaction that writes the build
  requests (:func:`claim`), under the project's quota lock: what it allows
  is what is written, so racing creates of one project never pass the
  limit together;
- the super-conductor after scheduling (:func:`recheck`, ``[quota]
  recheck_quota``): deltas 0, since the request's own servers are counted
  as build requests.  Build requests *newer* than the request's own are
  left out of its recheck (they count it in theirs), so if creates ever
  overshoot (a limit lowered meanwhile), the earliest accepted win.  The
  servers it refuses are not counted (:mod:`.repo.quota_usage`).

Both the compute API and the super-conductor call this module; it reaches
the API database and the cell databases only.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.cells import scatter_gather as sg
from nubes.cells.repo import quota_limits, quota_locks, quota_usage
from nubes.cells.targeting import CellRegistry, cell_of
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database

COUNTED = ("instances", "cores", "ram")
# The API's (and the quota tables') names.
RESOURCES = ("instances", "cores", "ram", "metadata_items", "injected_files",
             "injected_file_content_bytes", "injected_file_path_bytes", "key_pairs",
             "server_groups", "server_group_members")
# The [quota] option of a resource whose name differs.
_OPTION = {"injected_file_path_bytes": "injected_file_path_length"}
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
        # Never "used 13 of 10": more than the limit is only ever counted
        # after the limit was lowered below what the project holds.
        used = min(self.used, self.limit)
        return (f"Quota exceeded for {self.resource}: Requested {self.requested}, but "
                f"already used {used} of {self.limit} {self.resource}")


# --- limits ------------------------------------------------------------------------------

def configured(conf: Any) -> dict[str, int]:
    """``[quota]``: the limits when no quota row says otherwise."""
    return {name: getattr(conf.quota, _OPTION.get(name, name)) for name in RESOURCES}


def _over(merged: dict[str, int], rows: dict[str, int]) -> dict[str, int]:
    merged.update({k: v for k, v in rows.items() if k in merged})
    return merged


def defaults_in(conn, conf: Any) -> dict[str, int]:
    """The limits of a project without rows of its own: the ``default``
    quota class over ``[quota]``."""
    return _over(configured(conf), quota_limits.class_limits(conn))


def class_in(conn, conf: Any, class_name: str) -> dict[str, int]:
    """A quota class's limits: its rows over ``[quota]`` (only ``default``
    is ever enforced)."""
    return _over(configured(conf), quota_limits.class_limits(conn, class_name))


def limits_in(conn, conf: Any, project_id: str | None,
              user_id: str | None = None) -> dict[str, int]:
    """Every resource's limit, read on an open API-database connection:
    the user's rows (when ``user_id`` is given) over the project's over
    :func:`defaults_in`."""
    merged = defaults_in(conn, conf)
    if project_id is not None:
        _over(merged, quota_limits.project_limits(conn, project_id))
        if user_id is not None:
            _over(merged, quota_limits.user_limits(conn, project_id, user_id))
    return merged


def limits(conf: Any, api_db: Database, project_id: str | None,
           user_id: str | None = None) -> dict[str, int]:
    return api_db.read(lambda conn: limits_in(conn, conf, project_id, user_id))


def user_counted_in(conn, conf: Any, project_id: str, user_id: str | None
                    ) -> dict[str, int] | None:
    """The limits that bind ``user_id``'s creates when the user has rows of
    their own on instances, cores or RAM (None otherwise: the project's
    limits alone decide, and the user's usage need not be counted)."""
    if user_id is None:
        return None
    own = quota_limits.user_limits(conn, project_id, user_id)
    if not any(name in own for name in COUNTED):
        return None
    return limits_in(conn, conf, project_id, user_id)


def counted_unlimited(found: dict[str, int]) -> bool:
    """True when instances, cores and RAM are all unlimited: nothing to count."""
    return all(found.get(name, -1) < 0 for name in COUNTED)


def per_instance(vcpus: int, memory_mb: int) -> dict[str, int]:
    return {"instances": 1, "cores": int(vcpus or 0), "ram": int(memory_mb or 0)}


# --- usage -------------------------------------------------------------------------------

def usage(api_db: Database, cells: CellRegistry, ctx: RequestContext, project_id: str, *,
          up_to_build_request: int | None = None, user_id: str | None = None
          ) -> dict[str, int]:
    """instances, cores and ram of the project's servers (of ``user_id``'s
    only, when given; see :func:`usage_in`), the build requests read in a
    transaction of their own."""
    used, counted = api_db.read(lambda conn: quota_usage.in_build_requests(
        conn, project_id, up_to_id=up_to_build_request, user_id=user_id))
    return _add_cells(cells, ctx, project_id, used, counted, user_id)


def usage_in(conn, cells: CellRegistry, ctx: RequestContext, project_id: str, *,
             up_to_build_request: int | None = None, user_id: str | None = None
             ) -> dict[str, int]:
    """instances, cores and ram of the project's servers (of ``user_id``'s
    only, when given), the build requests read on ``conn`` (an open
    API-database connection).

    The build requests are read before the cells: a server moving from
    build request to cell (cell row first, build request deleted after)
    is then never missed, and the cells leave out the servers already
    counted as build requests, so it is never counted twice either."""
    used, counted = quota_usage.in_build_requests(conn, project_id,
                                                  up_to_id=up_to_build_request,
                                                  user_id=user_id)
    return _add_cells(cells, ctx, project_id, used, counted, user_id)


def _add_cells(cells: CellRegistry, ctx: RequestContext, project_id: str,
               used: dict[str, int], counted: set[str],
               user_id: str | None = None) -> dict[str, int]:
    """``used`` plus the project's (or its user's) instances in every
    cell, but those in ``counted`` (in parallel; a cell that does not
    answer adds nothing)."""
    def work(cctx):
        return cell_of(cctx).db.read(lambda conn: quota_usage.in_cell(
            conn, project_id, excluding=counted, user_id=user_id))
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


def _fit(found: dict[str, int], used: dict[str, int], per: dict[str, int], *,
         min_count: int, max_count: int) -> int:
    """How many servers of ``per`` fit, at most ``max_count``; raises
    :class:`QuotaExceeded` when not even ``min_count`` do."""
    room = headroom(found, used, per, max_count)
    if room >= min_count:
        return room
    over = first_over(found, used, {k: v * min_count for k, v in per.items()})
    raise QuotaExceeded(over.message() if over else "Quota exceeded")


def _fit_levels(levels: list[tuple[dict[str, int] | None, str | None]], count,
                per: dict[str, int], *, min_count: int, max_count: int) -> int:
    """:func:`_fit` at each level (the project's limits with ``None``, the
    user's with their id), counting with ``count(user_id)`` only where a
    level limits something: the smallest room wins."""
    room = max_count
    for found, user_id in levels:
        if found is not None and not counted_unlimited(found):
            room = _fit(found, count(user_id), per, min_count=min_count, max_count=room)
    return room


def check_growth(conf: Any, api_db: Database, cells: CellRegistry, ctx: RequestContext,
                 project_id: str, *, vcpus: int, memory_mb: int) -> None:
    """Raises :class:`QuotaExceeded` when the project's servers growing by
    ``vcpus`` cores and ``memory_mb`` of RAM (a resize up) pass a limit."""
    if vcpus <= 0 and memory_mb <= 0:
        return
    found = limits(conf, api_db, project_id)
    if counted_unlimited(found):
        return
    used = usage(api_db, cells, ctx, project_id)
    over = first_over(found, used, {"instances": 0, "cores": max(vcpus, 0),
                                    "ram": max(memory_mb, 0)})
    if over is not None:
        raise QuotaExceeded(over.message())


def allowed_count(conf: Any, api_db: Database, cells: CellRegistry, ctx: RequestContext,
                  project_id: str, *, min_count: int, max_count: int, vcpus: int,
                  memory_mb: int, found: dict[str, int] | None = None,
                  user_id: str | None = None) -> int:
    """How many servers may be created (``max_count``, or fewer but at
    least ``min_count``); raises :class:`QuotaExceeded` otherwise.
    ``found``: the project's limits, if the caller has just read them;
    ``user_id``: the creating user (their own limits apply too).

    Unlocked: a quick refusal before anything is written.  The number that
    is written is decided by :func:`claim`."""
    project = found if found is not None else limits(conf, api_db, project_id)
    user = None if user_id is None else api_db.read(
        lambda conn: user_counted_in(conn, conf, project_id, user_id))
    return _fit_levels([(project, None), (user, user_id)],
                       lambda uid: usage(api_db, cells, ctx, project_id, user_id=uid),
                       per_instance(vcpus, memory_mb), min_count=min_count,
                       max_count=max_count)


def claim(conn, conf: Any, cells: CellRegistry, ctx: RequestContext, project_id: str, *,
          min_count: int, max_count: int, vcpus: int, memory_mb: int,
          found: dict[str, int] | None = None, user_id: str | None = None) -> int:
    """:func:`allowed_count` inside the API-database write transaction
    that then inserts the build requests: the project's quota lock is
    taken first (:func:`quota_locks.lock`) and held until that transaction
    ends, so no other create of the project counts or inserts in between;
    its build requests are counted on ``conn``, then the cells.
    ``found``: limits the caller read just before; when they count
    nothing, and the user has no limits of their own, the transaction is
    spared the lock and the reads (an unlimited project has nothing to
    serialise)."""
    user = user_counted_in(conn, conf, project_id, user_id)
    if found is not None and counted_unlimited(found) and user is None:
        return max_count
    project = limits_in(conn, conf, project_id)
    if counted_unlimited(project) and (user is None or counted_unlimited(user)):
        return max_count
    quota_locks.lock(conn, project_id)
    return _fit_levels([(project, None), (user, user_id)],
                       lambda uid: usage_in(conn, cells, ctx, project_id, user_id=uid),
                       per_instance(vcpus, memory_mb), min_count=min_count,
                       max_count=max_count)


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
