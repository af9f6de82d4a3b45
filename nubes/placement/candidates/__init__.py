"""Allocation candidates: the answer of ``GET /allocation_candidates``.

The chain, from the HTTP request down to SQL:

    handlers/allocation_candidate.py  validate the query string; show the Result
    service/allocation_candidates.py  parse the request; one call to the dispatcher
    candidates/dispatch.py            resolve names (resolve.py), pick one path
      general path                    general.py + assemble.py, SQL in general_sql.py
      flat fast path                  flat_path.py + flat_answer.py, SQL in fast_sql.py
      tree fast path                  tree_path.py + tree_answer.py, SQL in fast_sql.py

Shared by the paths: contract.py (Options, Resolved, Result, the snapshot
read), request.py (query string -> request groups), lookup_sql.py (names
to ids, who shares), windows.py (how a ``limit`` sweeps the trees), fit.py
(fit, anchors and trait checks), provider_cache.py with cache_sql.py (the
fast paths' per-process cache of provider facts).  :mod:`.dispatch` says
which path serves which request, and why.
"""
