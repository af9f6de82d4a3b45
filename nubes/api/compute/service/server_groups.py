"""Server groups (API database).

Quota: ``server_group_members`` is checked when a create adds servers to
a group (:func:`check_member_quota`); ``server_groups`` when a group is
created, under the project's quota lock.  Shown members are the servers that still exist: a deleted
server (its instance mapping queued for delete) stays in the member table
but leaves ``members``.
"""
from __future__ import annotations

import uuid as uuidlib

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.cells.records import ServerGroupRecord
from nubes.cells.repo import quota_locks
from nubes.cells.repo import server_groups as repo
from nubes.common.context import RequestContext


def create(state: ComputeState, ctx: RequestContext, name: str, policy: str,
           rules: dict) -> ServerGroupRecord:
    if rules and policy != "anti-affinity":
        raise exc.Invalid("Only anti-affinity policy supports rules.")
    group_uuid = str(uuidlib.uuid4())

    def work(conn):
        if ctx.project_id is not None:
            quota_locks.lock(conn, ctx.project_id)     # racing creates count one at a time
            _check_group_quota(conn, state, ctx)
        repo.create(conn, uuid=group_uuid, name=name, user_id=ctx.user_id,
                    project_id=ctx.project_id, policy=policy, rules=rules)
        return repo.get(conn, group_uuid)
    return state.api_db.write(work)


def _check_group_quota(conn, state: ComputeState, ctx: RequestContext) -> None:
    """403 when the project has as many groups as its ``server_groups``
    limit allows, or the user as many as a limit of their own does."""
    project = cell_quota.limits_in(conn, state.conf, ctx.project_id).get("server_groups", -1)
    user = project if not ctx.user_id else cell_quota.limits_in(
        conn, state.conf, ctx.project_id, ctx.user_id).get("server_groups", -1)
    if (project >= 0 and repo.count(conn, ctx.project_id) >= project) or (
            user != project and user >= 0
            and repo.count(conn, ctx.project_id, ctx.user_id) >= user):
        raise exc.QuotaExceeded("Quota exceeded, too many server groups.")


def get(state: ComputeState, group_uuid: str) -> ServerGroupRecord:
    found = state.api_db.read(lambda conn: repo.get(conn, group_uuid, live_members=True))
    if found is None:
        raise exc.NotFound(f"Instance group {group_uuid} could not be found.")
    return found


def list_groups(state: ComputeState, project_id: str | None, *, limit: int,
                offset: int) -> list[ServerGroupRecord]:
    return state.api_db.read(lambda conn: repo.list_groups(
        conn, project_id=project_id, limit=limit, offset=offset, live_members=True))


def delete(state: ComputeState, group: ServerGroupRecord) -> None:
    def work(conn):
        if not repo.delete(conn, group.id):
            raise exc.NotFound(f"Instance group {group.uuid} could not be found.")
    state.api_db.write(work)


def check_member_quota(state: ComputeState, ctx: RequestContext, conn, group_id: int,
                       adding: int) -> None:
    """Inside the transaction adding ``adding`` servers of ``ctx``'s user
    to the group: 403 when the user's live servers in it would pass
    ``server_group_members`` (OpenStack: "Quota exceeded, too many servers
    in group")."""
    try:
        cell_quota.check_group_members(conn, state.conf, ctx.project_id, group_id,
                                       ctx.user_id, adding)
    except cell_quota.QuotaExceeded as err:
        raise exc.QuotaExceeded(str(err)) from None
