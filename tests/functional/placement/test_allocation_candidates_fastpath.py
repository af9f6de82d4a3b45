"""The flat fast path (``candidates.flat_path``) answers exactly as the
general path (``candidates.general``) does: randomized small flat setups (sharing providers, usage,
reserved/min/max/step, fractional ratios, traits, aggregates) and
randomized single-group requests, both paths compared body for body
(allocation request order, mappings, summaries), on every backend.
The same for nested trees (the tree fast path, ``candidates.tree_path``).
``Options.fast_path=False`` makes the dispatcher (``candidates.dispatch``)
take the general path for requests a fast path would serve.
"""
from __future__ import annotations

import random

import orjson
import pytest

from nubes.common.wsgi.microversion import Version
from nubes.placement.candidates import contract, dispatch
from nubes.placement.candidates import request as candidate_request
from nubes.placement.handlers import allocation_candidate as handler
from tests.fixtures.placement_state import State, uuid_for

SHARES = "MISC_SHARES_VIA_AGGREGATE"
CLASSES = ("VCPU", "MEMORY_MB", "DISK_GB")
TRAITS = ("HW_CPU_X86_AVX2", "CUSTOM_GOLD", "CUSTOM_SILVER")
AGGS = ("a0", "a1", "a2")


def _inventory(rng: random.Random) -> dict:
    total = rng.choice([1, 4, 8, 16, 100])
    spec = {"total": total, "reserved": rng.choice([0, 0, 1]),
            "allocation_ratio": rng.choice([1.0, 1.5, 2.0, 0.7])}
    if rng.random() < 0.2:
        spec["min_unit"] = 2
    if rng.random() < 0.2:
        spec["step_size"] = 2
    if rng.random() < 0.2:
        spec["max_unit"] = max(1, total // 2)
    return spec


def _populate(state: State, rng: random.Random) -> None:
    specs, allocs = [], []
    for i in range(rng.randint(1, 9)):
        sharing = rng.random() < 0.3
        classes = (rng.sample(CLASSES, rng.randint(1, 2)) if sharing
                   else [c for c in CLASSES if rng.random() < 0.8])
        traits = [t for t in TRAITS if rng.random() < 0.35] + ([SHARES] if sharing else [])
        name = f"p{i}"
        specs.append({"name": name, "traits": traits,
                      "aggregates": [a for a in AGGS if rng.random() < 0.4],
                      "inventory": {c: _inventory(rng) for c in classes}})
        for c in classes:
            if rng.random() < 0.4:
                allocs.append((name, c, rng.randint(1, 6)))
    # A provider with no inventory at all, linked like the others (and
    # holding every trait, so that all exist).
    specs.append({"name": "bare", "aggregates": [rng.choice(AGGS)], "traits": list(TRAITS)})
    state.bulk(specs, allocs)


def _query(rng: random.Random, state: State) -> dict:
    classes = rng.sample(CLASSES, rng.randint(1, 3))
    query = {"resources": ",".join(f"{c}:{rng.choice([1, 1, 2, 3, 5])}" for c in classes)}
    roll = rng.random()
    if roll < 0.2:
        query["required"] = rng.choice(TRAITS)
    elif roll < 0.3:
        query["required"] = "!" + rng.choice(TRAITS)
    elif roll < 0.4:
        query["required"] = "in:" + ",".join(rng.sample(TRAITS, 2))
    elif roll < 0.45:
        query["required"] = SHARES
    roll = rng.random()
    if roll < 0.15:
        query["member_of"] = state.aggregate_uuid(rng.choice(AGGS))
    elif roll < 0.2:
        query["member_of"] = "in:" + ",".join(state.aggregate_uuid(a) for a in AGGS[:2])
    elif roll < 0.25:
        query["member_of"] = "!" + state.aggregate_uuid(rng.choice(AGGS))
    if rng.random() < 0.1:
        query["in_tree"] = uuid_for(rng.choice(sorted(state.ids)))
    if rng.random() < 0.1:
        query["root_required"] = rng.choice(TRAITS) if rng.random() < 0.7 else "!CUSTOM_GOLD"
    if rng.random() < 0.3:
        query["limit"] = str(rng.randint(1, 4))
    return query


# Seeds whose setups happen to satisfy none of their requests (kept to
# notice if the generator drifts into testing nothing).
_EMPTY_SEEDS = {19}


def _answer(db, query: dict, version: Version, fast: bool,
            shuffle: int | None = None) -> dict:
    request = candidate_request.parse(dict(query), version)
    options = contract.Options(version=(version[0], version[1]), fast_path=fast)
    if shuffle is not None:
        # randomize_allocation_candidates: both paths draw alike from one seed.
        options.randomize, options.rng = True, random.Random(shuffle)
    result = dispatch.find(db, request, options)
    if not fast:
        assert result.body is None
    return orjson.loads(orjson.dumps(handler.view(result, version)))


def _versioned_query(rng: random.Random, state) -> tuple[dict, Version, int | None]:
    """A random query, a microversion that accepts it (parameters newer than
    it dropped) and, a quarter of the time, a seed for a random order."""
    query = _query(rng, state)
    version = Version(1, rng.choice([29, 33, 34, 39]))
    if version < (1, 35) and "root_required" in query:
        del query["root_required"]
    if version < (1, 39) and query.get("required", "").startswith("in:"):
        del query["required"]
    if version < (1, 32) and query.get("member_of", "").startswith("!"):
        del query["member_of"]
    shuffle = rng.randint(0, 99) if rng.random() < 0.25 else None
    return query, version, shuffle


@pytest.mark.parametrize("seed", range(30))
def test_fast_path_matches_general_path(placement, placement_database, seed):
    rng = random.Random(seed)
    state = State(placement_database.engine)
    _populate(state, rng)
    answered = 0
    for _ in range(12):
        query, version, shuffle = _versioned_query(rng, state)
        general = _answer(placement_database, query, version, False, shuffle)
        fast = _answer(placement_database, query, version, True, shuffle)
        assert fast == general, (seed, query, version, shuffle)
        answered += bool(fast["allocation_requests"])
    assert answered or seed in _EMPTY_SEEDS


def test_fast_path_serves_flat_requests_and_skips_nested(placement, placement_database):
    state = State(placement_database.engine)
    state.provider("cn1", inventory={"VCPU": 8}, traits=["CUSTOM_GOLD"])
    version = Version(1, 39)
    request = candidate_request.parse({"resources": "VCPU:1"}, version)
    assert dispatch.eligible_for_fast_path(request)
    result = dispatch.find(placement_database, request, contract.Options(version=(1, 39)))
    assert result.body is not None
    assert len(orjson.loads(orjson.dumps(result.body))["allocation_requests"]) == 1
    # Not the shape: two groups, or an old microversion.
    assert not dispatch.eligible_for_fast_path(candidate_request.parse(
        {"resources1": "VCPU:1", "resources2": "VCPU:1", "group_policy": "none"}, version))
    assert not dispatch.eligible_for_fast_path(
        candidate_request.parse({"resources": "VCPU:1"}, Version(1, 28)))
    # A child anywhere: the tree fast path answers, as the general path.
    state.provider("numa", parent="cn1", inventory={"VCPU": 4})
    result = dispatch.find(placement_database, request, contract.Options(version=(1, 39)))
    assert result.body is not None
    assert len(orjson.loads(orjson.dumps(result.body))["allocation_requests"]) == 2
    general = dispatch.find(placement_database, request,
                            contract.Options(version=(1, 39), fast_path=False))
    assert general.body is None and len(general.candidates) == 2


def _populate_trees(state: State, rng: random.Random) -> None:
    """Like ``_populate``, with trees: a provider may be the child of an
    earlier one (sharing providers too, rarely), up to three deep."""
    specs, allocs = [], []
    depth: dict[str, int] = {}
    for i in range(rng.randint(2, 10)):
        sharing = rng.random() < 0.25
        classes = (rng.sample(CLASSES, rng.randint(1, 2)) if sharing
                   else [c for c in CLASSES if rng.random() < 0.6])
        traits = [t for t in TRAITS if rng.random() < 0.3] + ([SHARES] if sharing else [])
        name = f"p{i}"
        spec = {"name": name, "traits": traits,
                "aggregates": [a for a in AGGS if rng.random() < 0.35],
                "inventory": {c: _inventory(rng) for c in classes}}
        parents = [n for n, d in depth.items() if d < 2]
        if parents and rng.random() < (0.15 if sharing else 0.6):
            spec["parent"] = rng.choice(parents)
            depth[name] = depth[spec["parent"]] + 1
        else:
            depth[name] = 0
        specs.append(spec)
        for c in classes:
            if rng.random() < 0.4:
                allocs.append((name, c, rng.randint(1, 6)))
    specs.append({"name": "bare", "aggregates": [rng.choice(AGGS)], "traits": list(TRAITS)})
    state.bulk(specs, allocs)


@pytest.mark.parametrize("seed", range(40))
def test_tree_fast_path_matches_general_path(placement, placement_database, seed):
    rng = random.Random(1000 + seed)
    state = State(placement_database.engine)
    _populate_trees(state, rng)
    for _ in range(12):
        query, version, shuffle = _versioned_query(rng, state)
        answers = []
        for fast in (False, True):
            request = candidate_request.parse(dict(query), version)
            options = contract.Options(version=(version[0], version[1]), fast_path=fast)
            if shuffle is not None:
                options.randomize, options.rng = True, random.Random(shuffle)
            result = dispatch.find(placement_database, request, options)
            answers.append(orjson.loads(orjson.dumps(handler.view(result, version))))
        assert answers[1] == answers[0], (seed, query, version, shuffle)



@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_fast_paths_match_general_path_across_windows(placement, placement_database, nested):
    """Enough trees for a limit to sweep several windows of root ids."""
    rng = random.Random(7)
    state = State(placement_database.engine)
    specs, allocs = [], []
    for i in range(160):
        name = f"h{i}"
        host = {"name": name, "aggregates": [AGGS[i % 3]],
                "traits": ["CUSTOM_GOLD"] if i % 7 == 0 else [],
                "inventory": {"DISK_GB": 50} if nested else {
                    "VCPU": 8, "MEMORY_MB": 4096, "DISK_GB": 50}}
        specs.append(host)
        if nested:
            for j in range(rng.randint(1, 2)):
                specs.append({"name": f"{name}_n{j}", "parent": name,
                              "inventory": {"VCPU": 8, "MEMORY_MB": 4096}})
        if rng.random() < 0.3:
            allocs.append((name, "DISK_GB", 45))
    specs.append({"name": "share", "aggregates": ["a1"], "traits": [SHARES],
                  "inventory": {"DISK_GB": 1000}})
    state.bulk(specs, allocs)
    version = Version(1, 39)
    for limit in (1, 7, 40, 90, 300):
        for shuffle in (None, 3):
            query = {"resources": "VCPU:1,MEMORY_MB:512,DISK_GB:10", "limit": str(limit)}
            answers = []
            for fast in (False, True):
                options = contract.Options(version=(1, 39), fast_path=fast)
                if shuffle is not None:
                    options.randomize, options.rng = True, random.Random(shuffle)
                result = dispatch.find(placement_database,
                                       candidate_request.parse(dict(query), version), options)
                answers.append(orjson.loads(orjson.dumps(handler.view(result, version))))
            assert answers[1] == answers[0], (limit, shuffle)
            got = len(answers[1]["allocation_requests"])
            assert got == limit if limit <= 40 else got <= limit
