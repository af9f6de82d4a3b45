"""What a super-conductor that died while building an instance may have
left, undone by the one that takes its lease over: the placement claim it
may have made for the instance, and an instance row it may have written in
a cell (or cell0) before it could point the mapping there.  Neither was
handed on: the build request still exists, and a host is only told once it
is gone."""
from __future__ import annotations

import logging

from nubes.cells.repo import unbuilt
from nubes.common.context import RequestContext
from nubes.conductor.super.api_level import ApiLevel

LOG = logging.getLogger(__name__)


def clear_leftovers(api: ApiLevel, ctx: RequestContext, instance_uuid: str) -> None:
    """Undo what an earlier owner of the build request may have done.
    Raises if placement cannot be asked (the take-over is retried once the
    new lease runs out too)."""
    released = api.placement.delete_allocations(instance_uuid, request_id=ctx.request_id)
    purged = [cell.label for cell in api.cells.cells()
              if api.cells.database(cell).write(
                  lambda conn: unbuilt.purge(conn, instance_uuid))]
    LOG.warning("took over the build of %s from a super-conductor whose lease ran out%s%s",
                instance_uuid, "; released its claim" if released else "",
                f"; removed its unfinished row in {', '.join(purged)}" if purged else "")
