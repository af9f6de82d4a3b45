"""What the flat and the tree fast paths share: which providers can give
each requested amount, and the ``root_required`` check, both over the
provider cache's entries (:mod:`.provider_cache`)."""
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
