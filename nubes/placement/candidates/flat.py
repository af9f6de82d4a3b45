"""The fast path for the dominant request: one unsuffixed request group,
1.29 or later, and no provider with a parent anywhere (every tree is a
single provider, possibly with sharing providers lending to it).

It gives exactly what the general path (:mod:`.find` with
:mod:`.assemble`) gives, in the same order, but goes from database rows
straight to the body of the answer:

* one statement reads every inventory (all classes: the summaries need
  them) of the providers in scope, with capacity, usage and whether the
  row can give the requested amount already computed; two more read
  their uuids and traits;
* required and any-of traits no sharing provider carries are pushed to
  SQL as gates (a candidate's traits are then its compute node's);
* candidates reuse per-provider JSON-ready objects: every candidate of a
  tree served by one provider shares one ``{"resources": ...}`` dict.

With a limit, trees are read a window of ids at a time, as in the
general path, and stop once enough candidates are found.
"""
from __future__ import annotations

import itertools
import random

from nubes.placement.candidates import flat_sql, search
from nubes.placement.candidates.request import CandidateRequest


def eligible(request: CandidateRequest) -> bool:
    """Whether the request has the shape this path serves (whether the
    trees are flat is asked of the database, in the same transaction)."""
    if len(request.groups) != 1 or request.same_subtrees or not request.nested_aware:
        return False
    group = request.groups[0]
    return group.suffix == "" and bool(group.resources)


class _Scope:
    """The facts read so far, across windows."""

    def __init__(self, conn, flt: search.GroupFilter, class_name: dict[int, str],
                 sharing: set[int], gates: list[set[int]]):
        self.conn, self.flt, self.class_name = conn, flt, class_name
        self.sharing, self.gates = sharing, gates
        self.classes = sorted(flt.amounts)
        self.uuid: dict[int, str] = {}
        self.resources: dict[int, dict] = {}     # pid -> summary "resources"
        self.traits: dict[int, list[str]] = {}   # pid -> trait names, sorted
        # Sharing providers that fit -> the roots (in the window) they lend to.
        self.links: dict[int, set[int]] = {}
        self.seen: set = set()

    def read(self, window):
        """Per requested class, the providers (ascending) that can give it."""
        conn, flt, gates = self.conn, self.flt, self.gates
        fits: dict[int, list[int]] = {c: [] for c in self.classes}
        names, resources = self.class_name, self.resources
        last, mine = None, None
        rows = flat_sql.inventory_rows(conn, flt, window, self.sharing, gates)
        for pid, cid, capacity, used, ok, *_ in rows:
            if pid != last:
                last = pid
                mine = resources.get(pid)
                if mine is None:
                    mine = resources[pid] = {}
            mine[names[cid]] = {"capacity": capacity, "used": used}
            if ok:
                fits[cid].append(pid)
        fitted = set()
        for pids in fits.values():
            fitted.update(pids)
        if not fitted:
            self.links = {}
            return fits, fitted
        if window is None:
            self.uuid.update(flat_sql.provider_uuids(conn, flt, window, self.sharing, gates))
        else:
            self.uuid.update((row[0], row[5]) for row in rows)
        traits: dict[int, list[str]] = {}
        for pid, name in flat_sql.provider_traits(conn, flt, window, self.sharing, gates):
            have = traits.get(pid)
            if have is None:
                traits[pid] = [name]
            else:
                have.append(name)
        self.traits.update(traits)   # sharing providers are read by every window
        # Sharing providers that fit: the trees (in the window) they lend to,
        # their own included.
        lending = self.sharing & fitted
        links = {sid: {sid} for sid in lending}
        for sid, pid in flat_sql.sharing_links(conn, lending, window):
            links[sid].add(pid)
        self.links = links
        return fits, fitted


def find(conn, request: CandidateRequest, flt: search.GroupFilter,
         class_name: dict[int, str], trait_ids: dict[str, int], options) -> dict | None:
    """The answer body, or None when the trees are not all flat."""
    top, nested = flat_sql.shape(conn)
    if nested:
        return None
    group = request.groups[0]
    sharing = search.sharing_providers(conn)
    required = frozenset(trait_ids[n] for n in group.traits.required)
    any_of = tuple(frozenset(trait_ids[n] for n in s) for s in group.traits.any_of)
    # Trait sets no sharing provider has a member of: a candidate has one
    # only through its tree, so SQL keeps only providers with one.
    lent = flat_sql.sharing_with_traits(conn, sharing, set(required).union(*any_of))
    gates = [{t} for t in sorted(required - lent)] + [set(s) for s in any_of if not s & lent]
    scope = _Scope(conn, flt, class_name, sharing, gates)
    root_ok = _root_check(conn, request, trait_ids)
    # The candidate-level check, on names (the summaries' trait lists).
    check = ((frozenset(group.traits.required),
              tuple(frozenset(s) for s in group.traits.any_of))
             if (required or any_of) else None)
    answer = _Answer(scope, with_mappings=options.version >= (1, 34))
    rng = options.rng or random
    if request.limit is None:
        fits, fitted = scope.read(None)
        order = _anchors(scope, fits, root_ok, None)
        if options.randomize:
            rng.shuffle(order)
        _candidates(scope, fits, order, check, answer, None)
    else:
        for window in _windows(top, request.limit, options.randomize, rng):
            fits, fitted = scope.read(window)
            order = _anchors(scope, fits, root_ok, window)
            if options.randomize:
                rng.shuffle(order)
            _candidates(scope, fits, order, check, answer,
                        request.limit - len(answer.requests))
            if len(answer.requests) >= request.limit:
                break
    return {"allocation_requests": answer.requests,
            "provider_summaries": answer.summaries}


def _root_check(conn, request: CandidateRequest, trait_ids):
    root_traits = request.root_traits
    if not root_traits:
        return None
    need = {trait_ids[n] for n in root_traits.required}
    banned = {trait_ids[n] for n in root_traits.forbidden}
    traits_of = search.providers_with_traits(conn, need | banned)

    def root_ok(root: int) -> bool:
        have = traits_of.get(root, set())
        return need <= have and not (banned & have)
    return root_ok


def _windows(top: int | None, limit: int, randomize: bool, rng):
    """Id ranges as the general path sweeps them: the first sized for the
    limit, each next twice as wide; random start (wrapping) if asked."""
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


def _anchors(scope: _Scope, fits, root_ok, window) -> list[int]:
    """Trees every requested class can come to, each from the tree's own
    provider or from a sharing provider lending to it, in ascending order
    (exactly the general path's anchors: a random order shuffles them)."""
    links = scope.links
    anchors: set[int] | None = None
    for c in scope.classes:
        reach = set(fits[c])
        for sid in fits[c]:
            if sid in links:
                reach |= links[sid]
        anchors = reach if anchors is None else anchors & reach
    anchors = anchors or set()
    if window is not None:
        lo, hi = window
        anchors = {a for a in anchors if lo <= a < hi}
    if root_ok is not None:
        anchors = {a for a in anchors if root_ok(a)}
    return sorted(anchors)


class _Answer:
    """The answer being built: allocation requests and the summaries of
    the providers they use, from JSON-ready pieces made once and shared
    (every candidate served by one provider shares one resources dict)."""

    def __init__(self, scope: _Scope, with_mappings: bool):
        self.scope = scope
        amounts, names = scope.flt.amounts, scope.class_name
        self.full = {"resources": {names[c]: a for c, a in amounts.items()}}
        self.with_mappings = with_mappings
        self.requests: list[dict] = []
        self.summaries: dict[str, dict] = {}
        self._parts: dict[tuple[int, ...], dict] = {}

    def _part(self, class_ids: tuple[int, ...]) -> dict:
        found = self._parts.get(class_ids)
        if found is None:
            amounts, names = self.scope.flt.amounts, self.scope.class_name
            found = self._parts[class_ids] = {
                "resources": {names[c]: amounts[c] for c in class_ids}}
        return found

    def _summary(self, pid: int, uuid: str) -> None:
        self.summaries[uuid] = {
            "resources": self.scope.resources.get(pid, {}),
            "traits": self.scope.traits.get(pid, []),
            "parent_provider_uuid": None, "root_provider_uuid": uuid}

    def add(self, pids: tuple[int, ...], class_ids: tuple[tuple[int, ...], ...]) -> None:
        uuid = self.scope.uuid
        n = len(self.scope.classes)
        allocations = {}
        uuids = []
        for pid, mine in zip(pids, class_ids):
            u = uuid[pid]
            uuids.append(u)
            allocations[u] = self.full if len(mine) == n else self._part(mine)
            if u not in self.summaries:
                self._summary(pid, u)
        if self.with_mappings:
            self.requests.append({"allocations": allocations, "mappings": {"": uuids}})
        else:
            self.requests.append({"allocations": allocations})

    def add_simple(self, anchors: list[int]) -> None:
        """One candidate per provider serving every class (the bulk)."""
        uuid, resources, traits = self.scope.uuid, self.scope.resources, self.scope.traits
        full, requests, summaries = self.full, self.requests, self.summaries
        none: list = []
        with_mappings = self.with_mappings
        for pid in anchors:
            u = uuid[pid]
            if with_mappings:
                requests.append({"allocations": {u: full}, "mappings": {"": [u]}})
            else:
                requests.append({"allocations": {u: full}})
            if u not in summaries:
                summaries[u] = {"resources": resources[pid], "traits": traits.get(pid, none),
                                "parent_provider_uuid": None, "root_provider_uuid": u}


_ANCHOR = -1   # stands for the anchor in a template


def _candidates(scope: _Scope, fits: dict[int, list[int]], order: list[int], check,
                answer: _Answer, need: int | None) -> None:
    """Add the candidates of the anchors, in order, up to ``need`` more.

    A candidate takes, per requested class (ascending id), the anchor if
    it can give the class, else one of the sharing providers lending to
    the anchor, in every combination.  Anchors alike in what they can
    give themselves and in who lends them what share one list of
    templates (computed once)."""
    classes = scope.classes
    sharing, links, traits = scope.sharing, scope.links, scope.traits
    fit_sets = [set(fits[c]) for c in classes]
    everything = set.intersection(*fit_sets)
    # Per anchor, per class, the sharing providers (ascending) lending it.
    borrow: dict[int, list[list[int]]] = {}
    for k, c in enumerate(classes):
        for sid in fits[c]:
            if sid not in sharing:
                continue
            for root in links.get(sid, ()):
                if root != sid:
                    per_class = borrow.get(root)
                    if per_class is None:
                        per_class = borrow[root] = [[] for _ in classes]
                    per_class[k].append(sid)
    # One provider of its own serving every class, nothing lent, not a
    # sharing provider (those are deduplicated): one candidate.
    simple = everything - borrow.keys() - links.keys()
    if check is not None:
        simple = {a for a in simple if _traits_ok((a,), check, traits)}
    templates: dict[tuple, list] = {}
    seen = scope.seen
    run: list[int] = []      # consecutive simple anchors, added in bulk
    count = 0
    for anchor in order:
        if need is not None and count >= need:
            break
        if anchor in simple:
            run.append(anchor)
            count += 1
            continue
        lent = borrow.get(anchor)
        if lent is None and anchor in everything and anchor not in links:
            continue                    # failed the trait check
        own = tuple([anchor in fs for fs in fit_sets])
        key = (own, tuple(map(tuple, lent)) if lent else None)
        found = templates.get(key)
        if found is None:
            found = templates[key] = _templates(classes, own, lent)
        if not found:
            continue
        if run:
            answer.add_simple(run)
            run = []
        anchor_shares = anchor in links
        for slots, at, class_ids in found:
            if need is not None and count >= need:
                break
            pids = slots if at < 0 else slots[:at] + (anchor,) + slots[at + 1:]
            if check is not None and not _traits_ok(pids, check, traits):
                continue
            if at < 0 or anchor_shares:
                # Sharing providers only: the same for every anchor they reach.
                if (pids, class_ids) in seen:
                    continue
                seen.add((pids, class_ids))
            answer.add(pids, class_ids)
            count += 1
    if run:
        answer.add_simple(run)


def _templates(classes: list[int], own: tuple[bool, ...], lent: list[list[int]] | None
               ) -> list[tuple[tuple[int, ...], int, tuple[tuple[int, ...], ...]]]:
    """Every choice of one provider per class: (providers in order of
    first use, the anchor's place among them or -1, per provider its
    classes), the anchor as ``_ANCHOR``."""
    lists = []
    for k in range(len(classes)):
        providers = [_ANCHOR] if own[k] else []
        if lent:
            providers += lent[k]
        if not providers:
            return []
        lists.append(providers)
    out = []
    for choice in itertools.product(*lists):
        per_pid: dict[int, list[int]] = {}
        for pid, cid in zip(choice, classes):
            per_pid.setdefault(pid, []).append(cid)
        slots = tuple(per_pid)
        at = slots.index(_ANCHOR) if _ANCHOR in per_pid else -1
        out.append((slots, at, tuple(tuple(cs) for cs in per_pid.values())))
    return out


def _traits_ok(pids, check, traits: dict[int, list[str]]) -> bool:
    required, any_of = check
    have: set = set()
    for pid in pids:
        have.update(traits.get(pid, ()))
    return required <= have and all(have & s for s in any_of)
