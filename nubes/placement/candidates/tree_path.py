"""The tree fast path, for one unsuffixed request group (1.29 or later)
over nested provider trees: what :mod:`.flat_path` does for
single-provider trees, for trees of any shape.  :mod:`.dispatch` sends
a request here when some provider has a parent.

It answers exactly as the general path (:mod:`.general` with
:mod:`.assemble`, its ``_only_unsuffixed``) does, candidate for
candidate, from the provider cache (:mod:`.provider_cache`): per tree,
per requested class, the tree's providers that can give it and the
sharing providers lending to the tree; every choice of one provider per
class (first class outermost); the summaries of every provider of the
trees used, by id.  What the cache does not hold is read afresh: the
trees themselves (parent and root of every provider in scope), who
shares, and aggregate membership.

With a limit, trees are read a window of root ids at a time, as in the
general path, and stop once enough candidates are found.

Its SQL besides the cache's is in :mod:`.fast_sql`; the answer's JSON is
written by :mod:`.tree_answer`; the checks it shares with the flat fast
path (fit, anchors, traits) are in :mod:`.fit`.
"""
from __future__ import annotations

import itertools
import random

from nubes.placement.candidates import fast_sql, fit, provider_cache, windows
from nubes.placement.candidates.contract import GroupFilter, Options, Resolved, Result
from nubes.placement.candidates.request import CandidateRequest
from nubes.placement.candidates.tree_answer import TreeAnswer


class _Scope:
    """What the windows read, kept for the summaries."""

    def __init__(self, conn, cache: provider_cache.ProviderCache, flt: GroupFilter,
                 class_name: dict[int, str], sharing: set[int]):
        self.conn, self.cache, self.flt, self.class_name = conn, cache, flt, class_name
        self.sharing = sharing
        self.classes = sorted(flt.amounts)
        self.view: dict[int, provider_cache.Entry] = {}
        self.tree: dict[int, tuple] = {}          # provider -> (parent, root)
        self.member_sets = [fast_sql.members(conn, s) for s in flt.any_of_aggs]
        self.banned = fast_sql.members(conn, flt.forbidden_aggs)
        self.seen: set = set()
        self.windows: list = []      # the windows read (None: everything)

    def complete(self, root: int) -> bool:
        """Whether every provider of the tree has been read."""
        return any(w is None or w[0] <= root < w[1] for w in self.windows)

    def _passes(self, pid: int, entry: provider_cache.Entry, root: int) -> bool:
        """The group's per-provider filters (aggregates on the provider or
        its root, as the general path's)."""
        flt = self.flt
        if flt.tree_root is not None and root != flt.tree_root:
            return False
        banned = self.banned
        if banned and (pid in banned or root in banned):
            return False
        for members in self.member_sets:
            if pid not in members and root not in members:
                return False
        return not (flt.forbidden_traits and entry.trait_ids & flt.forbidden_traits)

    def read(self, window):
        """Per requested class the providers (ascending) that can give it,
        and the trees each sharing provider that can give something lends
        to (its own included)."""
        if any(not s for s in self.flt.any_of_aggs):
            return {c: [] for c in self.classes}, {}
        view, tree = self.cache.tree_view(self.conn, self.class_name, window=window,
                                          also=self.sharing if window is not None else ())
        self.view.update(view)
        self.tree.update(tree)
        self.windows.append(window)
        flt = self.flt
        if (self.member_sets or self.banned or flt.forbidden_traits
                or flt.tree_root is not None):
            passing = [(pid, entry) for pid, entry in view.items()
                       if self._passes(pid, entry, tree[pid][1])]
        else:
            passing = view.items()
        fits, fitted = fit.by_class(passing, self.classes, self.flt.amounts)
        lending = self.sharing & fitted
        links = {sid: {tree[sid][1]} for sid in lending}
        for sid, root in fast_sql.sharing_roots(self.conn, lending, window):
            links[sid].add(root)
        return fits, links


def find(conn, request: CandidateRequest, resolved: Resolved, options: Options,
         cache: provider_cache.ProviderCache, top: int | None) -> Result:
    """The answer body, over trees of any shape (``top``: the highest
    provider id)."""
    flt = resolved.filters[0][1]
    trait_ids = resolved.trait_ids
    scope = _Scope(conn, cache, flt, resolved.all_classes, fast_sql.sharing_providers(conn))
    required, any_of = fit.trait_sets(request.groups[0].traits, trait_ids)
    check = (required, any_of) if (required or any_of) else None
    root_ok = fit.root_check(scope.view, request.root_traits, trait_ids)
    answer = TreeAnswer(scope, options.version >= (1, 34))
    rng = options.rng or random
    limit = request.limit
    for window in windows.of_request(top, limit, options.randomize, rng):
        fits, links = scope.read(window)
        order = fit.anchors(scope.classes, fits, links, root_ok, window, scope.tree)
        if options.randomize:
            rng.shuffle(order)
        _candidates(scope, fits, links, order, check, answer,
                    None if limit is None else limit - len(answer))
        if limit is not None and len(answer) >= limit:
            break
    return Result.of_body(answer.body())


def _candidates(scope: _Scope, fits, links, order: list[int], check, answer: TreeAnswer,
                need: int | None) -> None:
    """Add the candidates of the anchors, in order, up to ``need`` more:
    as the general path's ``_only_unsuffixed``."""
    classes, tree, view = scope.classes, scope.tree, scope.view
    n = len(classes)
    by_root, shared_lists, lent_to = _by_root(classes, fits, tree, links)
    first = classes[0]
    empty: list[int] = []
    count = 0
    for anchor in order:
        if need is not None and count >= need:
            return
        own = by_root.get(anchor)
        if own is not None and anchor not in lent_to and len(own) == n:
            firsts = own[first]
            if len(firsts) == 1 and all(own[c] == firsts for c in classes):
                pid = firsts[0]
                if check is not None and not fit.traits_ok((view[pid].trait_ids,), check):
                    continue
                answer.add_whole(pid)
                count += 1
                continue
        own = own or {}
        own_lists = [own.get(c, empty) for c in classes]
        if anchor in lent_to:
            lists = [providers + [s for s in shared
                                  if tree[s][1] != anchor and anchor in links[s]]
                     if shared else providers
                     for providers, shared in zip(own_lists, shared_lists)]
        else:
            lists = own_lists
        if not all(lists):
            continue
        mine = list(dict.fromkeys(itertools.chain.from_iterable(own_lists)))
        room = None if need is None else need - count
        if check is None and links.keys().isdisjoint(mine):
            count += answer.add_kind(_kind(lists, own_lists, mine), mine, anchor, room)
        else:
            count += _add_combinations(scope, links, lists, check, answer, room)


def _by_root(classes: list[int], fits, tree: dict[int, tuple], links: dict[int, set[int]]
             ) -> tuple[dict[int, dict[int, list[int]]], list[list[int]], set[int]]:
    """Per tree (root id), per class, its providers that can give the
    class; per class, the sharing providers that can; the trees those
    lend to."""
    by_root: dict[int, dict[int, list[int]]] = {}
    shared_lists: list[list[int]] = []
    for c in classes:
        for pid in fits[c]:
            root = tree[pid][1]
            per_class = by_root.get(root)
            if per_class is None:
                by_root[root] = {c: [pid]}
            else:
                found = per_class.get(c)
                if found is None:
                    per_class[c] = [pid]
                else:
                    found.append(pid)
        shared_lists.append([pid for pid in fits[c] if pid in links] if links else [])
    lent_to: set[int] = set()
    for shared in shared_lists:
        for sid in shared:
            lent_to |= links[sid]
    return by_root, shared_lists, lent_to


def _kind(lists: list[list[int]], own_lists: list[list[int]], mine: list[int]) -> tuple:
    """Trees alike in shape (which of their providers give which class,
    who lends them what) share one encoded template: per class, its
    providers as tokens (``k``: the tree's k-th own provider in ``mine``;
    ``-1 - id``: the sharing provider ``id``)."""
    local = dict(zip(mine, range(len(mine))))
    if lists is own_lists:
        return tuple([tuple([local[p] for p in providers]) for providers in lists])
    return tuple([tuple([local[p] if p in local else -1 - p for p in providers])
                  for providers in lists])


def _add_combinations(scope: _Scope, links, lists: list[list[int]], check,
                      answer: TreeAnswer, room: int | None) -> int:
    """Every choice of one provider per class (first class outermost), up
    to ``room`` (None: all); how many were added."""
    classes, view, seen = scope.classes, scope.view, scope.seen
    added = 0
    for combo in itertools.product(*lists):
        if room is not None and added >= room:
            break
        pids = tuple(dict.fromkeys(combo))
        if check is not None and not fit.traits_ok([view[p].trait_ids for p in pids], check):
            continue
        if all(p in links for p in pids):
            # Sharing providers only: the same for every anchor.
            key = (tuple(sorted(zip(combo, classes))), pids)
            if key in seen:
                continue
            seen.add(key)
        answer.add(combo, pids)
        added += 1
    return added
