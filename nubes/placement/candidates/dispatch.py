"""Which path answers ``GET /allocation_candidates``: the one place that
decides.  The chain, from the top:

    handlers/allocation_candidate.py   parse, validate, build the view
    service/allocation_candidates.py   the one call the handler makes
    candidates/dispatch.py             here: resolve the names, pick a path
    candidates/general.py              the general path (+ assemble.py),
        SQL in general_sql.py
    candidates/flat_path.py            the flat fast path (+ flat_answer.py),
    candidates/tree_path.py            the tree fast path (+ tree_answer.py),
        SQL in fast_sql.py, provider facts from provider_cache.py (cache_sql.py)

All of it runs in one read transaction (:func:`.contract.snapshot_read`),
so concurrent writes never show half-applied.  First the request's names
become ids (:mod:`.resolve`); then the rules, in order:

1. ``Options.fast_path`` False: the general path (the tests that compare
   the paths use it).
2. The request's shape (:func:`eligible_for_fast_path`): exactly one
   request group, unsuffixed, with resources; microversion 1.29 or later
   (trees visible); no ``same_subtree``.  Anything else (granular groups,
   resourceless groups, older microversions): the general path.
3. The database's shape, asked in the same transaction
   (:func:`.fast_sql.shape`): no provider with a parent, the flat fast
   path; otherwise the tree fast path.

Every path gives the same answer, candidate for candidate, in the same
order (the differential tests hold them to it); the fast paths answer
from the process's provider cache straight to the answer's JSON.
"""
from __future__ import annotations

from nubes.common.db.transaction import Database
from nubes.placement.candidates import (fast_sql, flat_path, general, provider_cache, resolve,
                                        tree_path)
from nubes.placement.candidates.contract import Options, Result, snapshot_read
from nubes.placement.candidates.request import CandidateRequest


def find(db: Database, request: CandidateRequest, options: Options) -> Result:
    """The request's candidates, in one read transaction of ``db``."""
    cache = provider_cache.for_engine(db.engine)
    return snapshot_read(db, lambda conn: find_in(conn, request, options, cache))


def find_in(conn, request: CandidateRequest, options: Options,
            cache: provider_cache.ProviderCache) -> Result:
    """:func:`find` inside the caller's read transaction ``conn``."""
    resolved = resolve.resolve(conn, request)
    if resolved is None:
        return Result.empty()
    if not (options.fast_path and eligible_for_fast_path(request)):
        return general.find(conn, request, resolved, options)
    top, nested = fast_sql.shape(conn)
    if nested:
        return tree_path.find(conn, request, resolved, options, cache, top)
    return flat_path.find(conn, request, resolved, options, cache, top)


def eligible_for_fast_path(request: CandidateRequest) -> bool:
    """Rule 2: whether the request has the shape the fast paths serve
    (whether the trees are flat is asked of the database, rule 3)."""
    if len(request.groups) != 1 or request.same_subtrees or not request.nested_aware:
        return False
    group = request.groups[0]
    return group.suffix == "" and bool(group.resources)
