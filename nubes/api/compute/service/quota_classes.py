"""Quota classes (API database): a class's limits are its rows over
``[quota]``; only the ``default`` class is enforced (it is the default
limit of every project without rows of its own, see
:func:`nubes.cells.quota.limits_in`).  An update is one write transaction."""
from __future__ import annotations

from sqlalchemy import exc as sa_exc

from nubes.api.compute import exceptions as exc
from nubes.api.compute.state import ComputeState
from nubes.cells import quota as cell_quota
from nubes.cells.repo import quota_limits
from nubes.common.db.transaction import RetryRequest


def show(state: ComputeState, class_name: str) -> dict[str, int]:
    return state.api_db.read(lambda conn: cell_quota.class_in(conn, state.conf, class_name))


def update(state: ComputeState, class_name: str, changes: dict[str, int]) -> dict[str, int]:
    """Write ``changes`` (resource -> limit, -1 unlimited) as the class's
    limits; the class's limits after it."""
    def work(conn):
        try:
            quota_limits.set_class_limits(conn, class_name, changes)
        except sa_exc.IntegrityError as error:
            # A concurrent update inserted the same row first: run again.
            raise RetryRequest(exc.Conflict("Concurrent quota class update.")) from error
        return cell_quota.class_in(conn, state.conf, class_name)
    return state.api_db.write(work)
