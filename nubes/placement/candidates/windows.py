"""How a request with a limit sweeps the trees: windows of root ids, the
first sized for the limit and each next twice as wide, from id 1 or (when
candidates are randomized) from a random id, wrapping around.  Every path
sweeps with it (:mod:`.general`, :mod:`.flat_path`, :mod:`.tree_path`),
so that all stop at the same trees."""
from __future__ import annotations


def sweep(top: int | None, limit: int, randomize: bool, rng):
    """Id ranges ``(lo, hi)`` up to ``top``: the first sized for the limit,
    each next twice as wide; random start (wrapping) if asked."""
    if top is None:
        return
    first = max(limit * 4, 64)
    start = rng.randint(1, top) if randomize else 1
    lo, width = start, first
    while lo <= top:
        yield lo, min(lo + width, top + 1)
        lo += width
        width *= 2
    lo, width = 1, first
    while lo < start:
        yield lo, min(lo + width, start)
        lo += width
        width *= 2


def of_request(top: int | None, limit: int | None, randomize: bool, rng):
    """The windows a request reads: without a limit, one: everything
    (None); with one, :func:`sweep`."""
    return [None] if limit is None else sweep(top, limit, randomize, rng)
