"""The general path: any request the fast paths do not serve (granular
groups, ``same_subtree``, microversions before 1.29, or ``fast_path``
off), step by step, in the request's read transaction:

1. per request group, the providers passing its filters and, per
   requested class, those that can give the amount (:mod:`.general_sql`);
2. who shares with whom, the traits the candidates are checked against,
   the trees' shapes when ``same_subtree`` asks;
3. lazy assembly (:mod:`.assemble`), anchor by anchor, up to ``limit``:
   with a limit, trees are searched a window of root ids at a time
   (:mod:`.windows`), so that ``limit=50`` at 10,000 providers reads a
   few hundred of them;
4. the summaries of exactly the trees the kept candidates touch.

:mod:`.dispatch` picks this path; the request comes resolved to ids
(:mod:`.resolve`).  The answer is candidates in ids (:class:`.Result`),
turned into the body by the handler's view.
"""
from __future__ import annotations

import dataclasses
import itertools
import random

from nubes.placement.candidates import assemble, fit, general_sql, windows
from nubes.placement.candidates.contract import GroupFilter, Options, Resolved, Result
from nubes.placement.candidates.request import CandidateRequest, RequestGroup


def find(conn, request: CandidateRequest, resolved: Resolved, options: Options) -> Result:
    """The request's candidates, their providers' uuids and summaries."""
    state = _State()
    filters, trait_ids = resolved.filters, resolved.trait_ids
    if request.limit is None:
        chosen = list(_window(conn, request, filters, trait_ids, options, state, None))
    else:
        chosen = _windowed(conn, request, filters, trait_ids, options, state)
    if not chosen:
        return Result.empty()
    class_ids = resolved.class_ids
    class_name = {cid: name for name, cid in class_ids.items()}
    roots, keep = _trees_used(request, chosen, state.universe)
    summaries = _summaries(conn, roots, keep, options.version, set(class_ids.values()),
                           state.known, class_name, state.uuid_of)
    return Result(chosen, state.uuid_of, class_name, summaries)


def _trees_used(request: CandidateRequest, chosen: list, universe: assemble.Universe
                ) -> tuple[set[int], set[int] | None]:
    """The roots of the trees the candidates use, and the providers to
    summarize (None: every provider of those trees, 1.29+)."""
    if request.nested_aware:
        used = set()
        for allocs, mappings in chosen:
            used.update(allocs)
            for pids in mappings.values():
                used.update(pids)
        return {universe.root_of[p] for p in used}, None
    keep = set()
    for allocs, _ in chosen:
        keep.update(allocs)
    return {universe.root_of[p] for p in keep}, keep


@dataclasses.dataclass
class _State:
    """What the windows learn, kept for the summaries."""
    universe: assemble.Universe = dataclasses.field(
        default_factory=lambda: assemble.Universe(root_of={}))
    uuid_of: dict[int, str] = dataclasses.field(default_factory=dict)
    # provider -> {class id: (capacity, used)} for the requested classes it has
    known: dict[int, dict[int, tuple[int, int]]] = dataclasses.field(default_factory=dict)
    seen: set = dataclasses.field(default_factory=set)


_Filters = list[tuple[RequestGroup, GroupFilter]]


def _windowed(conn, request: CandidateRequest, filters: _Filters, trait_ids,
              options: Options, state: _State) -> list:
    """Up to ``limit`` candidates, sweeping the trees a window of root ids
    at a time (:func:`.windows.sweep`: random start when randomized)."""
    top = general_sql.max_provider_id(conn)
    if top is None:
        return []
    sharing = general_sql.sharing_providers(conn)
    chosen: list = []
    for window in windows.sweep(top, request.limit, options.randomize,
                                options.rng or random):
        need = request.limit - len(chosen)
        found = _window(conn, request, filters, trait_ids, options, state, (window, sharing))
        chosen.extend(itertools.islice(found, need))
        if len(chosen) >= request.limit:
            break
    return chosen


def _window(conn, request: CandidateRequest, filters: _Filters, trait_ids,
            options: Options, state: _State, window):
    """Candidates whose anchor tree lies in ``window`` ((lo, hi), sharing
    ids) or anywhere (None), lazily."""
    universe = state.universe
    parent_of: dict[int, int | None] = {}
    groups: list[assemble.Group] = []
    seen_roots: set[int] = set()
    for rgroup, flt in filters:
        if window is not None:
            flt = dataclasses.replace(flt, root_range=window[0], also=window[1])
        group = _read_group(conn, rgroup, flt, trait_ids, state, parent_of)
        if group is None:
            return
        groups.append(group)
        for cid_list in group.fits.values():
            seen_roots.update(universe.root_of[p] for p in cid_list)
    _read_links(conn, universe, window)
    _read_traits(conn, request, groups, trait_ids, universe)
    if request.same_subtrees:
        universe.parent_of.update(general_sql.tree_parents(conn, seen_roots))
    else:
        universe.parent_of.update(parent_of)
    policy = assemble.Policy(isolate=request.group_policy == "isolate",
                             same_subtrees=request.same_subtrees,
                             nested_aware=request.nested_aware,
                             randomize=options.randomize, rng=options.rng)
    policy.root_ok = _root_check(request, trait_ids, universe, window)
    yield from assemble.candidates(groups, universe, policy, seen=state.seen)


def _read_group(conn, rgroup: RequestGroup, flt: GroupFilter, trait_ids, state: _State,
                parent_of: dict[int, int | None]) -> assemble.Group | None:
    """The group as the assembler sees it (per class, the providers that
    can give the amount; a resourceless group, those passing its
    filters), noting each provider's tree and uuid; None when the group
    has nothing to offer."""
    group = assemble.Group(suffix=rgroup.suffix, amounts=flt.amounts, fits={})
    universe, uuid_of = state.universe, state.uuid_of
    if rgroup.resources:
        _read_fits(conn, flt, group, state, parent_of)
    else:
        matching = general_sql.providers_matching(conn, flt)
        group.fits[0] = [row[0] for row in matching]
        for pid, uuid, parent, root in matching:
            universe.root_of[pid] = root
            uuid_of[pid] = uuid
            parent_of[pid] = parent
    if not group.fits or (rgroup.resources and len(group.fits) < len(flt.amounts)):
        return None
    if not group.single_provider:
        group.required, group.any_of = fit.trait_sets(rgroup.traits, trait_ids)
    return group


def _read_fits(conn, flt: GroupFilter, group: assemble.Group, state: _State,
               parent_of: dict[int, int | None]) -> None:
    """Per requested class, the providers that can give the amount (into
    ``group.fits``); the capacity and usage of every inventory read are
    kept for the summaries (``state.known``)."""
    universe, uuid_of, known = state.universe, state.uuid_of, state.known
    amounts = flt.amounts
    for (pid, cid, uuid, parent, root, total, reserved, ratio, min_unit, max_unit,
         step, used) in general_sql.provider_inventories(conn, flt):
        capacity = int((total - reserved) * ratio)
        used = int(used)
        known.setdefault(pid, {})[cid] = (capacity, used)
        amount = amounts[cid]
        if not (min_unit <= amount <= max_unit and amount % step == 0
                and capacity - used >= amount):
            continue
        group.fits.setdefault(cid, []).append(pid)
        universe.root_of[pid] = root
        uuid_of[pid] = uuid
        parent_of[pid] = parent
        universe.free[(pid, cid)] = (capacity - used, max_unit)


def _read_links(conn, universe: assemble.Universe, window) -> None:
    """The trees the sharing providers read so far lend to."""
    sharing = general_sql.sharing_providers(conn) if window is None else window[1]
    sharing = sharing & universe.root_of.keys()
    universe.links.update(general_sql.sharing_links(conn, sharing - universe.links.keys()))


def _read_traits(conn, request: CandidateRequest, groups: list[assemble.Group], trait_ids,
                 universe: assemble.Universe) -> None:
    """The providers' traits the candidates are checked against (the
    unsuffixed group's required and any-of, ``root_required``), once."""
    wanted_traits = set()
    for group in groups:
        wanted_traits |= group.required
        for s in group.any_of:
            wanted_traits |= s
    wanted_traits |= {trait_ids[n] for n in request.root_traits.names()}
    if wanted_traits and not universe.traits_of:
        universe.traits_of = general_sql.providers_with_traits(conn, wanted_traits)


def _root_check(request: CandidateRequest, trait_ids, universe: assemble.Universe, window):
    """Which anchors may be used: ``root_required`` on the tree's root, and
    (in a window) only the window's trees; None when any may."""
    root_ok = None
    root_traits = request.root_traits
    if root_traits:
        need = {trait_ids[n] for n in root_traits.required}
        banned = {trait_ids[n] for n in root_traits.forbidden}
        traits_of = universe.traits_of

        def root_ok(root: int) -> bool:
            have = traits_of.get(root, set())
            return need <= have and not (banned & have)
    if window is not None:
        lo, hi = window[0]
        inner = root_ok

        def root_ok(root: int) -> bool:  # noqa: F811 - anchors of this window only
            return lo <= root < hi and (inner is None or inner(root))
    return root_ok


def _summaries(conn, roots: set[int], keep: set[int] | None, version,
               requested: set[int], known: dict[int, dict[int, tuple[int, int]]],
               class_name: dict[int, str], uuid_of: dict[int, str]) -> dict[str, dict]:
    """uuid -> summary for every provider of the trees (or only ``keep``).

    Requested classes of providers the group searches already read come
    from ``known``; the rest is read here."""
    rows = general_sql.summary_providers(conn, roots)
    by_id: dict[int, dict] = {}
    uuids = {pid: uuid for pid, uuid, _parent, _root in rows}
    with_tree = version >= (1, 29)
    with_traits = version >= (1, 17)
    out: dict[str, dict] = {}
    unknown: set[int] = set()
    names = class_name
    for pid, uuid, parent, root in rows:
        if keep is not None and pid not in keep:
            continue
        mine = known.get(pid)
        if mine is None:
            unknown.add(pid)
        resources = {names[c]: {"capacity": cap, "used": used}
                     for c, (cap, used) in mine.items()} if mine else {}
        entry: dict = {"resources": resources}
        if with_traits:
            entry["traits"] = []
        if with_tree:
            entry["parent_provider_uuid"] = uuids.get(parent) if parent is not None else None
            entry["root_provider_uuid"] = uuids.get(root)
        by_id[pid] = entry
        out[uuid] = entry
    # A provider read by a group has every requested class it owns in
    # ``known`` only if that group asked for all of them: re-read the rest.
    for pid, mine in known.items():
        if pid in by_id and len(mine) < len(requested):
            unknown.add(pid)
    extra = []
    if unknown:
        extra += general_sql.summary_inventories(conn, roots, only_classes=requested,
                                            providers=unknown)
    if version >= (1, 27):
        extra += general_sql.summary_inventories(conn, roots, exclude_classes=requested)
    missing = {row[1] for row in extra} - names.keys()
    if missing:
        names = {**names, **general_sql.class_names(conn, missing)}
    for pid, cid, capacity, used, _root in extra:
        entry = by_id.get(pid)
        if entry is not None:
            entry["resources"][names[cid]] = {"capacity": int(capacity), "used": int(used)}
    if with_traits:
        for pid, name, _root in general_sql.summary_traits(conn, roots):
            entry = by_id.get(pid)
            if entry is not None:
                entry["traits"].append(name)
    uuid_of.update(uuids)
    return out
