"""Quota sets: a project's (or one of its users') limits, their usage, the
defaults, and the admin's updates and reverts (API database).

Limits follow the one rule of :func:`nubes.cells.quota.limits_in` (user
row, project row, ``default`` class, ``[quota]``), the same that GET
/limits shows and server creates enforce.  Usage is counted as the
quota checks count it: instances, cores and RAM in every cell plus the
build requests, server groups and (for a user) key pairs in the API
database; the other resources are limits on one request, never "used".

Updates and reverts are one API-database write transaction each.  They
do not take the project's quota lock (:mod:`nubes.cells.repo.quota_locks`):
that lock makes racing creates count each other; a limit written beside a
create is read by it either before (it was within the old limit when
accepted) or after (it counts against the new one), just as when the
limit changes a moment earlier or later, and the super-conductor's
recheck reads the newest limit.  Without ``force`` an update refuses a
limit below the current usage, read just before: a create may still
land in between, as with any admin change, and locking every project's
creates behind admin writes would buy nothing more.
"""
from __future__ import annotations

import dataclasses

from sqlalchemy import exc as sa_exc

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.cells.repo import key_pairs, quota_limits, server_groups
from nubes.common.context import RequestContext
from nubes.common.db.transaction import RetryRequest

RESOURCES = cell_quota.RESOURCES
# Whose usage a new limit must not go under (without force); key pairs
# and group members are counted per user and per group, not checked here.
FLOORED = ("instances", "cores", "ram", "server_groups")


@dataclasses.dataclass(frozen=True)
class Detail:
    limits: dict[str, int]
    usage: dict[str, int]


def show(state: ComputeState, project_id: str, user_id: str | None = None) -> dict[str, int]:
    return cell_quota.limits(state.conf, state.api_db, project_id, user_id)


def defaults(state: ComputeState) -> dict[str, int]:
    return state.api_db.read(lambda conn: cell_quota.defaults_in(conn, state.conf))


def usage(state: ComputeState, ctx: RequestContext, project_id: str,
          user_id: str | None = None) -> dict[str, int]:
    """Every resource's usage by the project (or by ``user_id`` in it)."""
    used = dict.fromkeys(RESOURCES, 0)
    used.update(cell_quota.usage(state.api_db, state.cells, ctx, project_id, user_id=user_id))

    def work(conn):
        used["server_groups"] = server_groups.count(conn, project_id, user_id)
        if user_id is not None:
            used["key_pairs"] = key_pairs.count(conn, user_id)
    state.api_db.read(work)
    return used


def detail(state: ComputeState, ctx: RequestContext, project_id: str,
           user_id: str | None = None) -> Detail:
    return Detail(show(state, project_id, user_id), usage(state, ctx, project_id, user_id))


def _check(changes: dict[str, int], *, floor: dict[str, int], ceiling: dict[str, int] | None,
           force: bool) -> None:
    """400 for a limit under ``floor`` (unless forced) or, for a user,
    over the project's limit (``ceiling``; forced or not: a user never
    holds more than the project)."""
    for name, limit in sorted(changes.items()):
        top = -1 if ceiling is None else ceiling[name]
        if top >= 0 and (limit < 0 or limit > top):
            raise exc.Invalid(f"Quota limit {limit} for {name} must be less than or "
                              f"equal to {top}.")
        if not force and 0 <= limit < floor.get(name, 0):
            raise exc.Invalid(f"Quota limit {limit} for {name} must be greater than or "
                              f"equal to already used and reserved {floor[name]}.")


def update(state: ComputeState, ctx: RequestContext, project_id: str, user_id: str | None,
           changes: dict[str, int], *, force: bool) -> dict[str, int]:
    """Write ``changes`` (resource -> limit, -1 unlimited) as the project's
    limits, or as ``user_id``'s in it; the limits that then apply."""
    floored = [name for name, limit in changes.items() if name in FLOORED and limit >= 0]
    used = usage(state, ctx, project_id, user_id) if floored and not force else {}

    def work(conn):
        floor = {name: used.get(name, 0) for name in floored}
        if user_id is None:
            for name, total in quota_limits.user_limit_totals(conn, project_id).items():
                if name in changes and not force:
                    floor[name] = max(floor.get(name, 0), total)
            ceiling = None
        else:
            ceiling = cell_quota.limits_in(conn, state.conf, project_id)
        _check(changes, floor=floor, ceiling=ceiling, force=force)
        try:
            if user_id is None:
                quota_limits.set_project_limits(conn, project_id, changes)
            else:
                quota_limits.set_user_limits(conn, project_id, user_id, changes)
        except sa_exc.IntegrityError as error:
            # A concurrent update inserted the same row first: run again.
            raise RetryRequest(exc.Conflict("Concurrent quota update.")) from error
        return cell_quota.limits_in(conn, state.conf, project_id, user_id)
    return state.api_db.write(work)


def revert(state: ComputeState, project_id: str, user_id: str | None = None) -> None:
    """Back to the defaults: the project's rows and its users' (or only
    ``user_id``'s) are deleted."""
    def work(conn):
        if user_id is None:
            quota_limits.delete_project(conn, project_id)
        else:
            quota_limits.delete_user(conn, project_id, user_id)
    state.api_db.write(work)
