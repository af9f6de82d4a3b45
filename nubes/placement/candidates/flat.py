"""The fast path for the dominant request: one unsuffixed request group,
1.29 or later, and no provider with a parent anywhere (every tree is a
single provider, possibly with sharing providers lending to it); when
some provider has a parent, :mod:`.tree` answers instead.

It gives exactly what the general path (:mod:`.find` with
:mod:`.assemble`) gives, in the same order, but from the provider cache
(:mod:`.provider_cache`) straight to the JSON of the answer:

* the cache hands over every provider in scope as of the request's
  transaction (inventories with capacity and usage, traits, the encoded
  summary), re-reading only providers whose generation changed;
* what the cache does not hold is read fresh: who shares, aggregate
  membership (``member_of`` and what sharing providers lend to);
* fit, filters and trait checks run over the entries; candidates are
  joined from pre-encoded pieces (:mod:`.flat_answer`).

With a limit, trees are read a window of ids at a time, as in the
general path, and stop once enough candidates are found.
"""
from __future__ import annotations

import itertools
import random

from nubes.placement.candidates import fit, flat_sql, provider_cache, search, tree, windows
from nubes.placement.candidates.flat_answer import Answer
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

    def __init__(self, conn, cache: provider_cache.ProviderCache, flt: search.GroupFilter,
                 class_name: dict[int, str], sharing: set[int],
                 required: frozenset[int], any_of: tuple[frozenset[int], ...]):
        self.conn, self.cache, self.flt, self.class_name = conn, cache, flt, class_name
        self.sharing = sharing
        self.required, self.any_of = required, any_of
        self.classes = sorted(flt.amounts)
        self.view: dict[int, provider_cache.Entry] = {}   # every provider read
        # Aggregate membership is not cached (it may change without a
        # generation bump): read once per request.
        self.member_sets = [flat_sql.members(conn, s) for s in flt.any_of_aggs]
        self.banned = flat_sql.members(conn, flt.forbidden_aggs)
        # Sharing providers that fit -> the roots (in the window) they lend to.
        self.links: dict[int, set[int]] = {}
        self.seen: set = set()

    def _passing(self, view):
        """``(id, entry)`` of the providers in scope: the group's filters,
        and the trait gates (trait sets no sharing provider has one of: a
        candidate has one only through its own tree's provider)."""
        flt, sharing = self.flt, self.sharing
        lent: set[int] = set()
        for sid in sharing:
            entry = view.get(sid)
            if entry is not None:
                lent |= entry.trait_ids
        gate_all = self.required - lent
        gate_any = [s for s in self.any_of if not s & lent]
        member_sets, banned = self.member_sets, self.banned
        forbidden, root = flt.forbidden_traits, flt.tree_root
        if not (member_sets or banned or forbidden or root is not None or gate_all
                or gate_any):
            return view.items()
        out = []
        for pid, entry in view.items():
            if root is not None and pid != root:
                continue
            if banned and pid in banned:
                continue
            if member_sets and not all(pid in m for m in member_sets):
                continue
            have = entry.trait_ids
            if forbidden and have & forbidden:
                continue
            if pid not in sharing and not (gate_all <= have
                                           and all(have & s for s in gate_any)):
                continue
            out.append((pid, entry))
        return out

    def read(self, window):
        """Per requested class, the providers (ascending) that can give it."""
        if any(not s for s in self.flt.any_of_aggs):
            self.links = {}
            return {c: [] for c in self.classes}, set()
        view = self.cache.view(self.conn, self.class_name, window,
                               self.sharing if window is not None else ())
        self.view.update(view)
        passing = self._passing(view)
        fits, fitted = fit.by_class(passing, self.classes, self.flt.amounts)
        # Sharing providers that fit: the trees (in the window) they lend to,
        # their own included.
        lending = self.sharing & fitted
        links = {sid: {sid} for sid in lending}
        for sid, pid in flat_sql.sharing_links(self.conn, lending, window):
            links[sid].add(pid)
        self.links = links
        return fits, fitted


def find(conn, request: CandidateRequest, flt: search.GroupFilter,
         class_name: dict[int, str], trait_ids: dict[str, int], options,
         cache: provider_cache.ProviderCache) -> dict:
    """The answer body (from :mod:`.tree` when some provider has a parent)."""
    top, nested = flat_sql.shape(conn)
    if nested:
        return tree.find(conn, request, flt, class_name, trait_ids, options, cache, top)
    group = request.groups[0]
    sharing = flat_sql.sharing_providers(conn)
    required = frozenset(trait_ids[n] for n in group.traits.required)
    any_of = tuple(frozenset(trait_ids[n] for n in s) for s in group.traits.any_of)
    scope = _Scope(conn, cache, flt, class_name, sharing, required, any_of)
    root_ok = fit.root_check(scope.view, request.root_traits, trait_ids)
    check = (required, any_of) if (required or any_of) else None
    answer = Answer(flt.amounts, class_name, with_mappings=options.version >= (1, 34))
    rng = options.rng or random
    if request.limit is None:
        fits, fitted = scope.read(None)
        order = fit.anchors(scope.classes, fits, scope.links, root_ok, None)
        if options.randomize:
            rng.shuffle(order)
        _candidates(scope, fits, order, check, answer, None)
    else:
        for window in windows.sweep(top, request.limit, options.randomize, rng):
            fits, fitted = scope.read(window)
            order = fit.anchors(scope.classes, fits, scope.links, root_ok, window)
            if options.randomize:
                rng.shuffle(order)
            _candidates(scope, fits, order, check, answer, request.limit - len(answer))
            if len(answer) >= request.limit:
                break
    return answer.body()


_ANCHOR = -1   # stands for the anchor in a template


def _candidates(scope: _Scope, fits: dict[int, list[int]], order: list[int], check,
                answer: Answer, need: int | None) -> None:
    """Add the candidates of the anchors, in order, up to ``need`` more.

    A candidate takes, per requested class (ascending id), the anchor if
    it can give the class, else one of the sharing providers lending to
    the anchor, in every combination.  Anchors alike in what they can
    give themselves and in who lends them what (one bit per class they
    give, one per (class, sharing provider) lending to them: the
    anchor's *kind*) share one list of templates, computed and encoded
    around the anchor once."""
    classes = scope.classes
    sharing, links, view = scope.sharing, scope.links, scope.view
    fit_sets = [set(fits[c]) for c in classes]
    everything = set.intersection(*fit_sets)
    n = len(classes)
    # Per anchor, the bits of the (class, sharing provider) pairs lending it.
    lending: list[tuple[int, int]] = []     # bit i -> (class index, sharing id)
    lent_bits: dict[int, int] = {}
    for k, fs in enumerate(fit_sets):
        for sid in sorted(sharing.intersection(fs)):
            bit = 1 << (n + len(lending))
            lending.append((k, sid))
            for root in links.get(sid, ()):
                if root != sid:
                    lent_bits[root] = lent_bits.get(root, 0) | bit
    # One provider of its own serving every class, nothing lent, not a
    # sharing provider (those are deduplicated): one candidate.
    simple = everything - lent_bits.keys() - links.keys()
    if check is not None:
        simple = {a for a in simple if fit.traits_ok((view[a].trait_ids,), *check)}
    own_bits = [(fs, 1 << k) for k, fs in enumerate(fit_sets)]
    templates: dict[int, list] = {}
    # Kinds whose candidates are all encoded around the anchor: the key of
    # that encoding and the pieces, once one anchor of the kind was added.
    blocks: dict[int, tuple[bytes, list]] = {}
    seen = scope.seen
    run: list = []      # consecutive simple anchors, added in bulk
    count = 0
    for anchor in order:
        if anchor in simple:
            if need is not None and count >= need:
                break
            run.append(view[anchor])
            count += 1
            continue
        if need is not None and count >= need:
            break
        lent = lent_bits.get(anchor, 0)
        if not lent and anchor in everything and anchor not in links:
            continue                    # failed the trait check
        kind = lent
        for fs, bit in own_bits:
            if anchor in fs:
                kind |= bit
        found = templates.get(kind)
        if found is None:
            found = templates[kind] = _encoded_templates(classes, kind, lending, answer, view)
        if not found:
            continue
        if run:
            answer.add_simple(run)
            run = []
        anchor_shares = anchor in links
        entry = view[anchor]
        block = blocks.get(kind)
        if (block is not None and check is None and not anchor_shares
                and (need is None or count + len(found) <= need)):
            # Seen this kind before: its other providers are summarized.
            answer.add_block(block[0], block[1], entry)
            count += len(found)
            continue
        if check is None and not anchor_shares and all(t[1] >= 0 for t in found):
            blocks[kind] = (b"\x00".join(b"\x00".join(t[3]) for t in found),
                            [t[3] for t in found])
        for slots, at, class_ids, around in found:
            if need is not None and count >= need:
                break
            pids = slots if at < 0 else slots[:at] + (anchor,) + slots[at + 1:]
            if check is not None and not fit.traits_ok([view[p].trait_ids for p in pids],
                                                         *check):
                continue
            if at < 0 or anchor_shares:
                # Sharing providers only: the same for every anchor they reach.
                if (pids, class_ids) in seen:
                    continue
                seen.add((pids, class_ids))
                answer.add(pids, class_ids, view)
            else:
                answer.add_around(around, entry, pids, view)
            count += 1
    if run:
        answer.add_simple(run)


def _encoded_templates(classes: list[int], kind: int, lending: list[tuple[int, int]],
                       answer: Answer, view) -> list:
    """The templates of an anchor kind, each with its encoding around the
    anchor (None for those without the anchor)."""
    n = len(classes)
    own = tuple(bool(kind & (1 << k)) for k in range(n))
    lent: list[list[int]] = [[] for _ in classes]
    for i, (k, sid) in enumerate(lending):
        if kind & (1 << (n + i)):
            lent[k].append(sid)
    return [(slots, at, class_ids,
             answer.encode_around(slots, at, class_ids, view) if at >= 0 else None)
            for slots, at, class_ids in _templates(classes, own, lent if any(lent) else None)]


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

