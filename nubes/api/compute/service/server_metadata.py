"""Changes to a server's user metadata (``/servers/{id}/metadata``):
merge items into it, replace it, set or delete one item.  (Reads are the
server's own view: ``servers.find`` with its metadata, from its build
request or ``instance_metadata`` in its cell.)

Writes are refused (409) unless the server is active, paused, suspended
or stopped with no task running, and, for anyone but an admin, unlocked,
as in OpenStack compute; each one checks the state, counts the items the
server would have against the ``metadata_items`` quota of the server's
project (:mod:`.metadata_quota`, 403) and writes them in one cell
transaction (:mod:`.instance_writes`).
"""
from __future__ import annotations

from typing import Mapping

import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_writes, metadata_quota
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import instance_metadata as repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow

UPDATE = instance_writes.Rule("update metadata", instance_writes.SETTLED, no_task=True,
                              unlocked=True)
DELETE = instance_writes.Rule("delete metadata", instance_writes.SETTLED, no_task=True,
                              unlocked=True)


def _not_found() -> exc.NotFound:
    return exc.NotFound("Metadata item was not found")


def update(state: ComputeState, ctx: RequestContext, uuid: str, items: Mapping[str, str],
           *, replace: bool) -> dict[str, str]:
    """Merge ``items`` into the metadata (``replace``: make them the whole
    of it); the server's metadata afterwards."""
    where = instance_writes.target(state, ctx, uuid, UPDATE)
    limits = metadata_quota.limits_of(state, where.project_id)

    def work(conn: sa.Connection, _row) -> dict[str, str]:
        now = utcnow()
        if replace:
            metadata_quota.check(limits, len(items))
            repo.replace_all(conn, uuid, items, now)
            return dict(items)
        merged = {**repo.get_all(conn, uuid), **items}
        metadata_quota.check(limits, len(merged))
        repo.set_items(conn, uuid, items, now)
        return merged
    return instance_writes.write(state, ctx, where, UPDATE, work)


def delete_item(state: ComputeState, ctx: RequestContext, uuid: str, key: str) -> None:
    where = instance_writes.target(state, ctx, uuid, DELETE)

    def work(conn: sa.Connection, _row) -> None:
        if not repo.delete_keys(conn, uuid, [key], utcnow()):
            raise _not_found()
    instance_writes.write(state, ctx, where, DELETE, work)
