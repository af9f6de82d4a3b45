"""The flat fast path, for the dominant request: one unsuffixed request
group, 1.29 or later, and no provider with a parent anywhere (every tree
is a single provider, possibly with sharing providers lending to it).
:mod:`.dispatch` sends it here; when some provider has a parent,
:mod:`.tree_path` answers instead.

It gives exactly what the general path (:mod:`.general` with
:mod:`.assemble`) gives, in the same order, but from the provider cache
(:mod:`.provider_cache`) straight to the JSON of the answer:

* the cache hands over every provider in scope as of the request's
  transaction (inventories with capacity and usage, traits, the encoded
  summary), re-reading only providers whose generation changed;
* what the cache does not hold is read fresh: who shares, aggregate
  membership (``member_of`` and what sharing providers lend to);
* fit, filters and trait checks run over the entries; candidates are
  joined from pre-encoded pieces (:mod:`.flat_answer`).

Its SQL besides the cache's is in :mod:`.fast_sql`; the checks it shares
with the tree fast path (fit, anchors, traits) in :mod:`.fit`.

With a limit, trees are read a window of ids at a time, as in the
general path, and stop once enough candidates are found.
"""
from __future__ import annotations

import itertools
import random

from nubes.placement.candidates import fast_sql, fit, provider_cache, windows
from nubes.placement.candidates.contract import GroupFilter, Options, Resolved, Result
from nubes.placement.candidates.flat_answer import Answer
from nubes.placement.candidates.request import CandidateRequest


class _Scope:
    """The facts read so far, across windows."""

    def __init__(self, conn, cache: provider_cache.ProviderCache, flt: GroupFilter,
                 class_name: dict[int, str], sharing: set[int],
                 required: frozenset[int], any_of: tuple[frozenset[int], ...]):
        self.conn, self.cache, self.flt, self.class_name = conn, cache, flt, class_name
        self.sharing = sharing
        self.required, self.any_of = required, any_of
        self.classes = sorted(flt.amounts)
        self.view: dict[int, provider_cache.Entry] = {}   # every provider read
        # Aggregate membership is not cached (it may change without a
        # generation bump): read once per request.
        self.member_sets = [fast_sql.members(conn, s) for s in flt.any_of_aggs]
        self.banned = fast_sql.members(conn, flt.forbidden_aggs)
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
        for sid, pid in fast_sql.sharing_links(self.conn, lending, window):
            links[sid].add(pid)
        self.links = links
        return fits, fitted


def find(conn, request: CandidateRequest, resolved: Resolved, options: Options,
         cache: provider_cache.ProviderCache, top: int | None) -> Result:
    """The answer body, every tree a single provider (``top``: the highest
    provider id)."""
    flt = resolved.filters[0][1]
    class_name, trait_ids = resolved.all_classes, resolved.trait_ids
    sharing = fast_sql.sharing_providers(conn)
    required, any_of = fit.trait_sets(request.groups[0].traits, trait_ids)
    scope = _Scope(conn, cache, flt, class_name, sharing, required, any_of)
    root_ok = fit.root_check(scope.view, request.root_traits, trait_ids)
    check = (required, any_of) if (required or any_of) else None
    answer = Answer(flt.amounts, class_name, with_mappings=options.version >= (1, 34))
    rng = options.rng or random
    limit = request.limit
    for window in windows.of_request(top, limit, options.randomize, rng):
        fits, _fitted = scope.read(window)
        order = fit.anchors(scope.classes, fits, scope.links, root_ok, window)
        if options.randomize:
            rng.shuffle(order)
        _candidates(scope, fits, order, check, answer,
                    None if limit is None else limit - len(answer))
        if limit is not None and len(answer) >= limit:
            break
    return Result.of_body(answer.body())


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
    around the anchor once (:class:`_Kinds`)."""
    view = scope.view
    kinds = _Kinds(scope, fits, check, answer)
    simple = kinds.simple
    run: list = []      # consecutive simple anchors, added in bulk
    count = 0
    for anchor in order:
        if need is not None and count >= need:
            break
        if anchor in simple:
            run.append(view[anchor])
            count += 1
            continue
        kind = kinds.kind_of(anchor)
        if kind is None:
            continue                    # failed the trait check
        found = kinds.templates(kind)
        if not found:
            continue
        if run:
            answer.add_simple(run)
            run = []
        count += kinds.add(anchor, kind, found, None if need is None else need - count)
    if run:
        answer.add_simple(run)


class _Kinds:
    """The anchors of one window by kind: the bits of what each can give
    itself and of who lends it what, the templates of each kind, and the
    kinds whose candidates are all encoded around the anchor."""

    def __init__(self, scope: _Scope, fits: dict[int, list[int]], check, answer: Answer):
        self.scope, self.check, self.answer = scope, check, answer
        classes, links = scope.classes, scope.links
        fit_sets = [set(fits[c]) for c in classes]
        self.everything = set.intersection(*fit_sets)
        n = len(classes)
        # Per anchor, the bits of the (class, sharing provider) pairs lending it.
        self.lending: list[tuple[int, int]] = []     # bit i -> (class index, sharing id)
        self.lent_bits: dict[int, int] = {}
        for k, fs in enumerate(fit_sets):
            for sid in sorted(scope.sharing.intersection(fs)):
                bit = 1 << (n + len(self.lending))
                self.lending.append((k, sid))
                for root in links.get(sid, ()):
                    if root != sid:
                        self.lent_bits[root] = self.lent_bits.get(root, 0) | bit
        # One provider of its own serving every class, nothing lent, not a
        # sharing provider (those are deduplicated): one candidate.
        simple = self.everything - self.lent_bits.keys() - links.keys()
        if check is not None:
            view = scope.view
            simple = {a for a in simple if fit.traits_ok((view[a].trait_ids,), check)}
        self.simple = simple
        self.own_bits = [(fs, 1 << k) for k, fs in enumerate(fit_sets)]
        self._templates: dict[int, list] = {}
        # Kinds whose candidates are all encoded around the anchor: the key of
        # that encoding and the pieces, once one anchor of the kind was added.
        self.blocks: dict[int, tuple[bytes, list]] = {}

    def kind_of(self, anchor: int) -> int | None:
        """The anchor's kind; None for an anchor whose own provider serves
        everything, nothing lent, that is not simple: it failed the trait
        check."""
        lent = self.lent_bits.get(anchor, 0)
        if not lent and anchor in self.everything and anchor not in self.scope.links:
            return None
        kind = lent
        for fs, bit in self.own_bits:
            if anchor in fs:
                kind |= bit
        return kind

    def templates(self, kind: int) -> list:
        found = self._templates.get(kind)
        if found is None:
            found = self._templates[kind] = _encoded_templates(
                self.scope.classes, kind, self.lending, self.answer, self.scope.view)
        return found

    def add(self, anchor: int, kind: int, found: list, room: int | None) -> int:
        """The candidates of ``anchor`` from its kind's templates ``found``,
        up to ``room`` (None: all); how many were added."""
        scope, check, answer = self.scope, self.check, self.answer
        view, seen = scope.view, scope.seen
        anchor_shares = anchor in scope.links
        entry = view[anchor]
        block = self.blocks.get(kind)
        if (block is not None and check is None and not anchor_shares
                and (room is None or len(found) <= room)):
            # Seen this kind before: its other providers are summarized.
            answer.add_block(block[0], block[1], entry)
            return len(found)
        if check is None and not anchor_shares and all(t[1] >= 0 for t in found):
            self.blocks[kind] = (b"\x00".join(b"\x00".join(t[3]) for t in found),
                                 [t[3] for t in found])
        added = 0
        for slots, at, class_ids, around in found:
            if room is not None and added >= room:
                break
            pids = slots if at < 0 else slots[:at] + (anchor,) + slots[at + 1:]
            if check is not None and not fit.traits_ok([view[p].trait_ids for p in pids], check):
                continue
            if at < 0 or anchor_shares:
                # Sharing providers only: the same for every anchor they reach.
                if (pids, class_ids) in seen:
                    continue
                seen.add((pids, class_ids))
                answer.add(pids, class_ids, view)
            else:
                answer.add_around(around, entry, pids, view)
            added += 1
        return added


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

