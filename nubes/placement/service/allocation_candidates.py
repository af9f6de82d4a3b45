"""Allocation candidates: the service step of ``GET /allocation_candidates``.

    handlers/allocation_candidate.py   validates the query string, shows the Result
    service/allocation_candidates.py   here: the request parsed, answered in one call
    candidates/dispatch.py             picks the path (general, flat or tree fast path)
    candidates/<path>.py + SQL         answers, in one read transaction

The query string comes validated against the schema; parsing it into
request groups (:mod:`nubes.placement.candidates.request`) raises the
domain errors the schema cannot express (orphaned traits, unknown
``same_subtree`` suffixes, ...).  The read transaction is the
dispatcher's (a snapshot, see :func:`.contract.snapshot_read`): there is
nothing to write, so nothing to retry.
"""
from __future__ import annotations

from nubes.common.db.transaction import Database
from nubes.placement.candidates import dispatch
from nubes.placement.candidates import request as candidate_request
from nubes.placement.candidates.contract import Options, Result

__all__ = ["Result", "find"]


def find(db: Database, params: dict, version, *, randomize: bool = False) -> Result:
    """The candidates for validated query ``params`` at microversion
    ``version``; ``randomize``: ``[placement]
    randomize_allocation_candidates``."""
    request = candidate_request.parse(params, version)
    return dispatch.find(db, request, Options(version=(version[0], version[1]),
                                              randomize=randomize))
