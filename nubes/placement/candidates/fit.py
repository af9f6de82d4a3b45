"""The checks the paths share, written once: which providers can give each
requested amount, which trees every requested class can reach (the
anchors) and the ``root_required`` check, over the provider cache's
entries (:mod:`.provider_cache`) for the flat and the tree fast paths;
and, for every path (the general path's assembler too), a group's trait
sets in ids and whether a candidate's providers together have them."""
from __future__ import annotations

from typing import Callable, Iterable


def by_class(passing: Iterable, classes: Iterable[int], amounts: dict[int, int]
             ) -> tuple[dict[int, list[int]], set[int]]:
    """Per requested class, the ids (in ``passing``'s order) whose entry can
    give the amount (within capacity, min/max unit and step size); and the
    set of every id that can give at least one."""
    passing = list(passing)
    fits: dict[int, list[int]] = {}
    for cid in classes:
        amount = amounts[cid]
        fits[cid] = [pid for pid, entry in passing
                     if (limit := entry.limits.get(cid)) is not None
                     and amount <= limit[0] and amount >= limit[1]
                     and amount % limit[2] == 0]
    fitted: set[int] = set()
    for pids in fits.values():
        fitted.update(pids)
    return fits, fitted


def root_check(view: dict, root_traits, trait_ids: dict[str, int]
               ) -> Callable[[int], bool] | None:
    """``root_required`` (1.35) as a test of a root provider id against its
    cached entry in ``view``; None when the request has none."""
    if not root_traits:
        return None
    need = frozenset(trait_ids[n] for n in root_traits.required)
    banned = frozenset(trait_ids[n] for n in root_traits.forbidden)
    nothing: frozenset = frozenset()

    def root_ok(root: int) -> bool:
        entry = view.get(root)
        have = entry.trait_ids if entry is not None else nothing
        return need <= have and not (banned & have)
    return root_ok


def anchors(classes: Iterable[int], fits: dict[int, list[int]], links: dict[int, set[int]],
            root_ok: Callable[[int], bool] | None, window: tuple[int, int] | None,
            tree: dict[int, tuple] | None = None) -> list[int]:
    """Roots of the trees every requested class can come to, from one of
    the tree's providers or from a sharing provider lending to it,
    ascending (exactly the general path's anchors: a random order
    shuffles them).  ``links``: sharing provider -> roots it lends to;
    ``tree``: provider -> ``(parent id, root id)``, None when every
    provider is its own root (flat trees); ``window``: root ids
    ``[lo, hi)`` to keep (None: all)."""
    found: set[int] | None = None
    for c in classes:
        fitting = set(fits[c])
        reach = fitting if tree is None else {tree[p][1] for p in fitting}
        for sid in links.keys() & fitting:
            reach |= links[sid]
        found = reach if found is None else found & reach
    found = found or set()
    if window is not None:
        lo, hi = window
        found = {a for a in found if lo <= a < hi}
    if root_ok is not None:
        found = {a for a in found if root_ok(a)}
    return sorted(found)


def traits_ok(trait_sets: Iterable[frozenset[int] | set[int]],
              check: tuple[frozenset[int], tuple[frozenset[int], ...]]) -> bool:
    """Whether the providers of a candidate, their trait sets given, have
    together every required trait and one of each any-of set (``check``:
    ``(required, any_of)``, as :func:`trait_sets` gives them)."""
    required, any_of = check
    have = set().union(*trait_sets)
    if not required <= have:
        return False
    for s in any_of:        # a loop: all() over a generator costs twice as much here
        if not have & s:
            return False
    return True


def trait_sets(traits, trait_ids: dict[str, int]
               ) -> tuple[frozenset[int], tuple[frozenset[int], ...]]:
    """A group's required traits and its any-of sets (a
    :class:`~nubes.placement.queryparams.TraitFilter`), in ids."""
    return (frozenset(trait_ids[n] for n in traits.required),
            tuple(frozenset(trait_ids[n] for n in s) for s in traits.any_of))
