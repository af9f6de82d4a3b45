"""Changes to a server's tags (``/servers/{id}/tags``, 2.26+): replace
all, delete all, add one, delete one.  (Reads are the server's own view:
``servers.find`` with its tags, from its build request or the cell's
``tags``.)

Writes are refused (409) unless the server is active, paused, suspended
or stopped, as in OpenStack compute; a server has at most
:data:`MAX_TAGS` tags (400).  Each write checks the state and the count
and writes in one cell transaction (:mod:`.instance_writes`).
"""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_writes
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import instance_tags as repo
from nubes.common.context import RequestContext

MAX_TAGS = 50


def _rule(verb: str) -> instance_writes.Rule:
    return instance_writes.Rule(verb, instance_writes.SETTLED)


def replace_all(state: ComputeState, ctx: RequestContext, uuid: str,
                tags: Iterable[str]) -> list[str]:
    wanted = sorted(set(tags))
    if len(wanted) > MAX_TAGS:
        raise exc.Invalid(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    rule = _rule("update tags")
    where = instance_writes.target(state, ctx, uuid, rule)
    return instance_writes.write(state, ctx, where, rule,
                                 lambda conn, _row: repo.replace_all(conn, uuid, wanted))


def delete_all(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    rule = _rule("delete tags")
    where = instance_writes.target(state, ctx, uuid, rule)
    instance_writes.write(state, ctx, where, rule,
                          lambda conn, _row: repo.delete_all(conn, uuid))


def add(state: ComputeState, ctx: RequestContext, uuid: str, tag: str) -> bool:
    """True if the tag was added, False if the server had it already."""
    rule = _rule("update tag")
    where = instance_writes.target(state, ctx, uuid, rule)

    def work(conn: sa.Connection, _row) -> bool:
        tags = repo.list_tags(conn, uuid)
        if tag in tags:
            return False
        if len(tags) >= MAX_TAGS:
            raise exc.Invalid(f"The number of tags exceeded the per-server limit {MAX_TAGS}")
        repo.add(conn, uuid, tag)
        return True
    return instance_writes.write(state, ctx, where, rule, work)


def delete(state: ComputeState, ctx: RequestContext, uuid: str, tag: str) -> None:
    rule = _rule("delete tag")
    where = instance_writes.target(state, ctx, uuid, rule)

    def work(conn: sa.Connection, _row) -> None:
        if not repo.delete(conn, uuid, tag):
            raise exc.NotFound(f"Server {uuid} has no tag '{tag}'")
    instance_writes.write(state, ctx, where, rule, work)
