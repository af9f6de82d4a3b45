"""GET /allocation_candidates as one service call: names to ids, the
per-group searches, lazy assembly up to ``limit``, then the summaries of
exactly the trees the kept candidates touch, all in one read transaction
(a snapshot: REPEATABLE READ on MariaDB/PostgreSQL, SQLite's read
transaction) so concurrent writes never show half-applied.

The dominant request (one unsuffixed group, 1.29+) is answered in that
same transaction by :mod:`.flat` (every tree a single provider) or
:mod:`.tree` (nested trees), from the process's provider cache
(:mod:`.provider_cache`, checked against the transaction's own reads)
straight to the answer's JSON; the machinery below serves everything
else (granular groups, ``same_subtree``, microversions before 1.29)."""
from __future__ import annotations

import dataclasses
import itertools
import random

from nubes.common.db.transaction import Database
from nubes.placement import exceptions as exc
from nubes.placement.candidates import assemble, flat, provider_cache, search
from nubes.placement.candidates.request import CandidateRequest, RequestGroup


@dataclasses.dataclass
class Result:
    """Candidates in ids plus the names needed to show them."""
    candidates: list[tuple[assemble.Allocations, assemble.Mappings]]
    uuid_of: dict[int, str]
    class_name: dict[int, str]
    # uuid -> {"resources": {...}, "traits": [...], "parent_provider_uuid", ...}
    summaries: dict[str, dict]
    # The whole answer body, when the flat fast path built it directly.
    body: dict | None = None


@dataclasses.dataclass
class Options:
    version: tuple[int, int]
    randomize: bool = False
    rng: random.Random | None = None
    # False: the general path even for requests the fast paths serve (tests
    # compare them).
    fast_path: bool = True


def _snapshot_read(db: Database, work):
    with db.engine.connect() as conn:
        if db.backend in ("postgresql", "mysql"):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return work(conn)


def find(db: Database, request: CandidateRequest, options: Options) -> Result:
    cache = provider_cache.for_engine(db.engine)
    return _snapshot_read(db, lambda conn: _find(conn, request, options, cache))


def _empty() -> Result:
    return Result([], {}, {}, {})


def _find(conn, request: CandidateRequest, options: Options,
          cache: provider_cache.ProviderCache) -> Result:
    all_classes = search.all_class_names(conn)
    wanted = request.class_names()
    class_ids = {name: cid for cid, name in all_classes.items() if name in wanted}
    missing = request.class_names() - class_ids.keys()
    if missing:
        raise exc.Invalid("Invalid resource class in resources parameter: "
                          f"No such resource class {sorted(missing)[0]}.")
    trait_names = request.trait_names()
    trait_ids = search.trait_ids(conn, trait_names)
    missing = trait_names - trait_ids.keys()
    if missing:
        raise exc.Invalid(f"No such trait(s): {', '.join(sorted(missing))}.")
    agg_uuids = set()
    for group in request.groups:
        agg_uuids |= group.member_of.forbidden
        for any_of in group.member_of.any_of:
            agg_uuids |= any_of
    agg_ids = search.aggregate_ids(conn, agg_uuids)

    filters = []
    for rgroup in request.groups:
        flt = _filter(conn, rgroup, class_ids, trait_ids, agg_ids)
        if flt is None:
            return _empty()
        filters.append((rgroup, flt))
    if options.fast_path and flat.eligible(request):
        body = flat.find(conn, request, filters[0][1], all_classes, trait_ids, options,
                         cache)
        return Result([], {}, {}, {}, body)
    state = _State()
    if request.limit is None:
        chosen = list(_window(conn, request, filters, trait_ids, options, state, None))
    else:
        chosen = _windowed(conn, request, filters, trait_ids, options, state)
    if not chosen:
        return _empty()
    universe, uuid_of, known = state.universe, state.uuid_of, state.known

    class_name = {cid: name for name, cid in class_ids.items()}
    if request.nested_aware:
        used = set()
        for allocs, mappings in chosen:
            used.update(allocs)
            for pids in mappings.values():
                used.update(pids)
        roots = {universe.root_of[p] for p in used}
        keep = None
    else:
        keep = set()
        for allocs, _ in chosen:
            keep.update(allocs)
        roots = {universe.root_of[p] for p in keep}
    summaries = _summaries(conn, roots, keep, options.version, set(class_ids.values()),
                           known, class_name, uuid_of)
    return Result(chosen, uuid_of, class_name, summaries)


@dataclasses.dataclass
class _State:
    """What the windows learn, kept for the summaries."""
    universe: assemble.Universe = dataclasses.field(
        default_factory=lambda: assemble.Universe(root_of={}))
    uuid_of: dict[int, str] = dataclasses.field(default_factory=dict)
    # provider -> {class id: (capacity, used)} for the requested classes it has
    known: dict[int, dict[int, tuple[int, int]]] = dataclasses.field(default_factory=dict)
    seen: set = dataclasses.field(default_factory=set)


# With a limit, trees are searched a window of root ids at a time (the
# first window sized for the limit, each next one twice as wide) so that
# ``limit=50`` at 10,000 providers reads a few hundred of them.
_FIRST_WINDOW = 4


def _windowed(conn, request: CandidateRequest, filters, trait_ids, options: Options,
              state: _State) -> list:
    top = search.max_provider_id(conn)
    if top is None:
        return []
    sharing = search.sharing_providers(conn)
    width = max(request.limit * _FIRST_WINDOW, 64)
    # Random order: start the sweep at a random root id and wrap around.
    start = 1
    if options.randomize:
        start = (options.rng or random).randint(1, top)
    ranges = []
    lo = start
    while lo <= top:
        ranges.append((lo, min(lo + width, top + 1)))
        lo += width
        width *= 2
    lo, width = 1, max(request.limit * _FIRST_WINDOW, 64)
    while lo < start:
        ranges.append((lo, min(lo + width, start)))
        lo += width
        width *= 2
    chosen: list = []
    for window in ranges:
        need = request.limit - len(chosen)
        found = _window(conn, request, filters, trait_ids, options, state, (window, sharing))
        chosen.extend(itertools.islice(found, need))
        if len(chosen) >= request.limit:
            break
    return chosen


def _window(conn, request: CandidateRequest, filters, trait_ids, options: Options,
            state: _State, window):
    """Candidates whose anchor tree lies in ``window`` ((lo, hi), sharing
    ids) or anywhere (None), lazily."""
    universe = state.universe
    uuid_of, known = state.uuid_of, state.known
    parent_of: dict[int, int | None] = {}
    groups: list[assemble.Group] = []
    seen_roots: set[int] = set()
    for rgroup, flt in filters:
        if window is not None:
            flt = dataclasses.replace(flt, root_range=window[0], also=window[1])
        group = assemble.Group(suffix=rgroup.suffix, amounts=flt.amounts, fits={})
        if rgroup.resources:
            amounts = flt.amounts
            for (pid, cid, uuid, parent, root, total, reserved, ratio, min_unit, max_unit,
                 step, used) in search.provider_inventories(conn, flt):
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
        else:
            matching = search.providers_matching(conn, flt)
            group.fits[0] = [row[0] for row in matching]
            for pid, uuid, parent, root in matching:
                universe.root_of[pid] = root
                uuid_of[pid] = uuid
                parent_of[pid] = parent
        if not group.fits or (rgroup.resources and len(group.fits) < len(flt.amounts)):
            return
        if not group.single_provider:
            group.required = frozenset(trait_ids[n] for n in rgroup.traits.required)
            group.any_of = tuple(frozenset(trait_ids[n] for n in s)
                                 for s in rgroup.traits.any_of)
        groups.append(group)
        for cid_list in group.fits.values():
            seen_roots.update(universe.root_of[p] for p in cid_list)

    sharing = search.sharing_providers(conn) if window is None else window[1]
    sharing = sharing & universe.root_of.keys()
    new_links = search.sharing_links(conn, sharing - universe.links.keys())
    universe.links.update(new_links)

    wanted_traits = set()
    for group in groups:
        wanted_traits |= group.required
        for s in group.any_of:
            wanted_traits |= s
    root_traits = request.root_traits
    wanted_traits |= {trait_ids[n] for n in root_traits.names()}
    if wanted_traits and not universe.traits_of:
        universe.traits_of = search.providers_with_traits(conn, wanted_traits)

    if request.same_subtrees:
        universe.parent_of.update(search.tree_parents(conn, seen_roots))
    else:
        universe.parent_of.update(parent_of)

    policy = assemble.Policy(isolate=request.group_policy == "isolate",
                             same_subtrees=request.same_subtrees,
                             nested_aware=request.nested_aware,
                             randomize=options.randomize, rng=options.rng)
    root_ok = None
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
    policy.root_ok = root_ok
    yield from assemble.candidates(groups, universe, policy, seen=state.seen)


def _filter(conn, group: RequestGroup, class_ids, trait_ids, agg_ids
            ) -> search.GroupFilter | None:
    tree_root = None
    if group.in_tree:
        provider = search.provider_by_uuid(conn, group.in_tree)
        if provider is None:
            return None
        tree_root = provider.root_id
    traits = group.traits
    per_provider = group.use_same_provider or not group.resources
    return search.GroupFilter(
        amounts={class_ids[n]: a for n, a in group.resources.items()},
        any_of_aggs=[{agg_ids[u] for u in s if u in agg_ids} for s in group.member_of.any_of],
        forbidden_aggs={agg_ids[u] for u in group.member_of.forbidden if u in agg_ids},
        tree_root=tree_root,
        forbidden_traits={trait_ids[n] for n in traits.forbidden},
        required_traits={trait_ids[n] for n in traits.required} if per_provider else set(),
        any_of_traits=([{trait_ids[n] for n in s} for s in traits.any_of]
                       if per_provider else []))


def _summaries(conn, roots: set[int], keep: set[int] | None, version,
               requested: set[int], known: dict[int, dict[int, tuple[int, int]]],
               class_name: dict[int, str], uuid_of: dict[int, str]) -> dict[str, dict]:
    """uuid -> summary for every provider of the trees (or only ``keep``).

    Requested classes of providers the group searches already read come
    from ``known``; the rest is read here."""
    rows = search.summary_providers(conn, roots)
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
        extra += search.summary_inventories(conn, roots, only_classes=requested,
                                            providers=unknown)
    if version >= (1, 27):
        extra += search.summary_inventories(conn, roots, exclude_classes=requested)
    missing = {row[1] for row in extra} - names.keys()
    if missing:
        names = {**names, **search.class_names(conn, missing)}
    for pid, cid, capacity, used, _root in extra:
        entry = by_id.get(pid)
        if entry is not None:
            entry["resources"][names[cid]] = {"capacity": int(capacity), "used": int(used)}
    if with_traits:
        for pid, name, _root in search.summary_traits(conn, roots):
            entry = by_id.get(pid)
            if entry is not None:
                entry["traits"].append(name)
    uuid_of.update(uuids)
    return out
