"""The general path's assembler (:mod:`.general` reads, this combines):
per-group search results into allocation requests.

Pure functions over plain ids (no SQL, no HTTP), so they are unit tested
directly.  Terms:

* an *anchor* is the root of the tree a candidate is built for.  A
  provider serves an anchor when it is in the anchor's tree, or when it is
  a sharing provider linked to the tree (it shares an aggregate with a
  provider of the tree; a sharing provider is always linked to its own).
* per anchor and per group there is a list of *options*: for the
  unsuffixed group a choice of one provider per requested class (any
  mix of the tree's providers and linked sharing providers); for a
  granular group one provider serving all of the group's classes; for a
  resourceless group one provider passing its filters.
* a candidate is one option per group, checked against
  ``group_policy=isolate``, the merged capacity, ``same_subtree`` and, for
  callers older than 1.29, one provider per tree.

Everything is generated lazily, anchor by anchor and option by option:
the consumer stops pulling at ``limit``, so a wide tree or many sharing
providers cost only as much work as the answer they produce.
"""
from __future__ import annotations

import dataclasses
import itertools
import random as _random
from typing import Callable, Iterator

from nubes.placement.candidates import fit
from nubes.placement.candidates.contract import Allocations, Mappings


@dataclasses.dataclass
class Group:
    """One request group as the assembler sees it."""
    suffix: str
    amounts: dict[int, int]                       # class id -> amount; {} = resourceless
    # class id -> providers able to give ``amounts[class]`` (filters applied),
    # for resourceless groups the single key 0 -> matching providers.
    fits: dict[int, list[int]]
    required: frozenset[int] = frozenset()        # unsuffixed: union-of-traits check
    any_of: tuple[frozenset[int], ...] = ()

    @property
    def single_provider(self) -> bool:
        return bool(self.suffix) or not self.amounts


@dataclasses.dataclass
class Universe:
    """Facts about providers the groups mention."""
    root_of: dict[int, int]
    links: dict[int, set[int]] = dataclasses.field(default_factory=dict)  # sharing id -> roots
    traits_of: dict[int, set[int]] = dataclasses.field(default_factory=dict)
    # (provider, class) -> (free = capacity - used, max_unit), to check
    # amounts merged from several groups.
    free: dict[tuple[int, int], tuple[float, int]] = dataclasses.field(default_factory=dict)
    parent_of: dict[int, int | None] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Policy:
    isolate: bool = False
    same_subtrees: list[list[str]] = dataclasses.field(default_factory=list)
    nested_aware: bool = True
    root_ok: Callable[[int], bool] | None = None  # root_required on the anchor
    randomize: bool = False
    rng: _random.Random | None = None


class _Index:
    """Per group: which providers serve which anchor."""

    def __init__(self, group: Group, universe: Universe):
        self.group = group
        root_of, links = universe.root_of, universe.links
        if group.single_provider:
            if group.amounts:
                sets = [set(group.fits.get(c, ())) for c in group.amounts]
                able = set.intersection(*sets) if sets else set()
                ordered = [p for p in group.fits[next(iter(group.amounts))] if p in able]
            else:
                ordered = list(group.fits.get(0, ()))
            self.own: dict[int, list[int]] = {}
            self.shared: list[int] = []
            for pid in ordered:
                self.own.setdefault(root_of[pid], []).append(pid)
                if pid in links:
                    self.shared.append(pid)
            roots = set(self.own)
            for sid in self.shared:
                roots |= links[sid]
            self.roots = roots
            return
        # Unsuffixed group spread over a tree: per root, per class.
        self.by_root: dict[int, dict[int, list[int]]] = {}
        self.shared_rc: dict[int, list[int]] = {}
        self.classes = sorted(group.amounts)
        by_root = self.by_root
        for class_id in self.classes:
            shared: list[int] = []
            for pid in group.fits.get(class_id, ()):
                per_class = by_root.get(root_of[pid])
                if per_class is None:
                    per_class = by_root[root_of[pid]] = {}
                lst = per_class.get(class_id)
                if lst is None:
                    per_class[class_id] = [pid]
                else:
                    lst.append(pid)
                if pid in links:
                    shared.append(pid)
            self.shared_rc[class_id] = shared
        n = len(self.classes)
        roots = {r for r, per_class in by_root.items() if len(per_class) == n}
        if any(self.shared_rc.values()):
            # Trees missing a class may borrow it from a linked sharing provider.
            for root, per_class in by_root.items():
                if len(per_class) < n and all(
                        c in per_class or any(root in links[s] for s in self.shared_rc[c])
                        for c in self.classes):
                    roots.add(root)
            # ... and trees with no fitting provider of their own.
            linked: set[int] | None = None
            for c in self.classes:
                reach: set[int] = set()
                for s in self.shared_rc[c]:
                    reach |= links[s]
                linked = reach if linked is None else linked & reach
            for root in linked or ():
                if root not in by_root:
                    roots.add(root)
        self.roots = roots

    def providers_for(self, anchor: int, universe: Universe) -> list[int]:
        """Single-provider group: providers serving the anchor."""
        out = list(self.own.get(anchor, ()))
        root_of, links = universe.root_of, universe.links
        out.extend(s for s in self.shared if root_of[s] != anchor and anchor in links[s])
        return out

    def class_lists(self, anchor: int, universe: Universe) -> list[tuple[int, list[int]]] | None:
        """Unsuffixed group: per class the providers serving the anchor."""
        root_of, links = universe.root_of, universe.links
        own = self.by_root.get(anchor, {})
        lists = []
        for class_id in self.classes:
            providers = own.get(class_id, [])
            shared = self.shared_rc[class_id]
            if shared:
                providers = providers + [s for s in shared
                                         if root_of[s] != anchor and anchor in links[s]]
            if not providers:
                return None
            lists.append((class_id, providers))
        return lists


_NO_TRAITS: frozenset[int] = frozenset()


def _traits_ok(pids, group: Group, traits_of: dict[int, set[int]]) -> bool:
    return fit.traits_ok([traits_of.get(pid, _NO_TRAITS) for pid in pids],
                         (group.required, group.any_of))


def _unsuffixed_options(index: _Index, lists: list[tuple[int, list[int]]], universe: Universe
                        ) -> Iterator[tuple[tuple[tuple[int, int, int], ...], list[int]]]:
    """Lazily, each choice of one provider per class: ((pid, class, amount), ...)
    and the distinct providers in order."""
    group = index.group
    if all(len(providers) == 1 for _, providers in lists):
        # The common case (one provider per class in a flat tree): no recursion.
        chosen = tuple((providers[0], class_id, group.amounts[class_id])
                       for class_id, providers in lists)
        pids = list(dict.fromkeys(item[0] for item in chosen))
        if (group.required or group.any_of) and not _traits_ok(pids, group,
                                                                universe.traits_of):
            return
        yield chosen, pids
        return
    check_traits = bool(group.required or group.any_of)
    traits_of = universe.traits_of
    class_ids = [class_id for class_id, _ in lists]
    amounts = [group.amounts[class_id] for class_id in class_ids]
    # First class outermost, as a nested loop over the lists would go.
    for combo in itertools.product(*(providers for _, providers in lists)):
        pids = list(dict.fromkeys(combo))
        if check_traits and not _traits_ok(pids, group, traits_of):
            continue
        yield tuple(zip(combo, class_ids, amounts)), pids


def candidates(groups: list[Group], universe: Universe, policy: Policy,
               seen: set | None = None) -> Iterator[tuple[Allocations, Mappings]]:
    """Every allocation request the groups allow, lazily, anchor by anchor
    (ascending root id, or shuffled when ``policy.randomize``)."""
    if not groups:
        return
    indexes = [_Index(g, universe) for g in groups]
    anchors = set.intersection(*(ix.roots for ix in indexes))
    if policy.root_ok is not None:
        anchors = {a for a in anchors if policy.root_ok(a)}
    order = sorted(anchors)
    if policy.randomize:
        (policy.rng or _random).shuffle(order)
    if (len(indexes) == 1 and not indexes[0].group.single_provider
            and not policy.same_subtrees and policy.nested_aware):
        source = _only_unsuffixed(indexes[0], order, universe)
    else:
        source = ((anchor, found) for anchor in order
                  for found in _for_anchor(indexes, anchor, universe, policy))
    seen = set() if seen is None else seen
    links = universe.links
    for _anchor, (allocs, mappings) in source:
        # Different anchors only produce the same request when it is made
        # of sharing providers only.
        if links and all(p in links for p in allocs) and all(
                p in links for ps in mappings.values() for p in ps):
            key = (tuple(sorted((p, c, a) for p, r in allocs.items() for c, a in r.items())),
                   tuple(sorted((s, tuple(ps)) for s, ps in mappings.items())))
            if key in seen:
                continue
            seen.add(key)
        yield allocs, mappings


def _only_unsuffixed(ix: _Index, order: list[int], universe: Universe):
    """The common request (one unsuffixed group), without the general
    machinery: a tree whose one provider serves every class yields one
    candidate sharing the group's amounts dict."""
    group = ix.group
    amounts = group.amounts
    check_traits = bool(group.required or group.any_of)
    traits_of = universe.traits_of
    classes = ix.classes
    first = classes[0]
    # Trees some sharing provider of the group lends to take the general path.
    lent_to: set[int] = set()
    for shared in ix.shared_rc.values():
        for sid in shared:
            lent_to |= universe.links[sid]
    by_root = ix.by_root
    # Amounts dicts shared by every candidate taking the same classes from
    # one provider (never mutated: the view translates each once).
    slots: dict[tuple[int, ...], dict[int, int]] = {}
    for anchor in order:
        own = by_root.get(anchor)
        if own is not None and anchor not in lent_to and len(own) == len(classes):
            firsts = own[first]
            if len(firsts) == 1:
                pid = firsts[0]
                if all(own[c] == firsts for c in classes):
                    if check_traits and not _traits_ok((pid,), group, traits_of):
                        continue
                    yield anchor, ({pid: amounts}, {"": [pid]})
                    continue
        lists = ix.class_lists(anchor, universe)
        if lists is None:
            continue
        for items, pids in _unsuffixed_options(ix, lists, universe):
            per_pid: dict[int, list[int]] = {}
            for pid, class_id, _amount in items:
                per_pid.setdefault(pid, []).append(class_id)
            allocs: Allocations = {}
            for pid, class_ids in per_pid.items():
                key = tuple(class_ids)
                slot = slots.get(key)
                if slot is None:
                    slot = slots[key] = {c: amounts[c] for c in key}
                allocs[pid] = slot
            yield anchor, (allocs, {"": pids})


def _for_anchor(indexes: list[_Index], anchor: int, universe: Universe, policy: Policy
                ) -> Iterator[tuple[Allocations, Mappings]]:
    n = len(indexes)
    # Per group, a factory of fresh option iterators for this anchor (the
    # product re-iterates inner groups without materialising them).
    factories: list[Callable[[], Iterator]] = []
    for ix in indexes:
        if ix.group.single_provider:
            providers = ix.providers_for(anchor, universe)
            if not providers:
                return
            factories.append(lambda providers=providers: iter(providers))
        else:
            lists = ix.class_lists(anchor, universe)
            if lists is None:
                return
            factories.append(lambda ix=ix, lists=lists: _unsuffixed_options(ix, lists, universe))
    isolate = policy.isolate
    used_single: list[int] = []
    picks: list = [None] * n

    def rec(i):
        if i == n:
            result = _merge(indexes, picks, universe, policy)
            if result is not None:
                yield result
            return
        single = indexes[i].group.single_provider and indexes[i].group.suffix
        for option in factories[i]():
            if isolate and single:
                if option in used_single:
                    continue
                used_single.append(option)
                picks[i] = option
                yield from rec(i + 1)
                used_single.pop()
            else:
                picks[i] = option
                yield from rec(i + 1)

    yield from rec(0)


def _merge(indexes: list[_Index], picks: list, universe: Universe, policy: Policy
           ) -> tuple[Allocations, Mappings] | None:
    allocs: Allocations = {}
    mappings: Mappings = {}
    shared_cells = False
    for ix, pick in zip(indexes, picks):
        group = ix.group
        if group.single_provider:
            pid = pick
            mappings[group.suffix] = [pid]
            if group.amounts:
                slot = allocs.get(pid)
                if slot is None:
                    allocs[pid] = dict(group.amounts)
                else:
                    for class_id, amount in group.amounts.items():
                        if class_id in slot:
                            shared_cells = True
                            slot[class_id] += amount
                        else:
                            slot[class_id] = amount
        else:
            items, pids = pick
            mappings[group.suffix] = pids
            for pid, class_id, amount in items:
                slot = allocs.setdefault(pid, {})
                if class_id in slot:
                    shared_cells = True
                    slot[class_id] += amount
                else:
                    slot[class_id] = amount
    if shared_cells:
        free = universe.free
        for pid, slot in allocs.items():
            for class_id, amount in slot.items():
                avail = free.get((pid, class_id))
                if avail is not None and (amount > avail[0] or amount > avail[1]):
                    return None
    if not policy.nested_aware:
        roots = [universe.root_of[p] for p in allocs]
        if len(roots) != len(set(roots)):
            return None
    for suffixes in policy.same_subtrees:
        if not _same_subtree(suffixes, mappings, universe.parent_of):
            return None
    return allocs, mappings


def _ancestry(pid: int, parent_of: dict[int, int | None]) -> list[int]:
    chain = [pid]
    parent = parent_of.get(pid)
    while parent is not None:
        chain.append(parent)
        parent = parent_of.get(parent)
    return chain


def _same_subtree(suffixes: list[str], mappings: Mappings,
                  parent_of: dict[int, int | None]) -> bool:
    """One of the providers serving the groups is an ancestor (or itself)
    of all the others."""
    providers = list(dict.fromkeys(p for s in suffixes for p in mappings.get(s, ())))
    if len(providers) <= 1:
        return True
    chains = [set(_ancestry(p, parent_of)) for p in providers]
    common = set.intersection(*chains)
    return any(p in common for p in providers)
