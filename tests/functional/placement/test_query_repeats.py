"""Repeated single-value query parameters, as placement reads them:
``limit`` and ``group_policy`` on GET /allocation_candidates keep their
first value; before 1.39 a repeated ``required`` on GET
/resource_providers keeps its last value (from 1.39 the values AND)."""
from __future__ import annotations

import pytest

from tests.fixtures.placement_state import State, uuid_for as U

AC = "/allocation_candidates"


@pytest.fixture
def state(placement, placement_database):
    return State(placement_database.engine)


def _ac(placement, params, version="1.39"):
    return placement.get(AC, params=params, version=version)


def test_first_limit_wins(placement, state):
    for i in range(5):
        state.provider(f"cn{i}", inventory={"VCPU": 4})
    for first, second in (("2", "4"), ("4", "2"), ("1", "3")):
        resp = _ac(placement, [("resources", "VCPU:1"), ("limit", first), ("limit", second)])
        assert resp.status == 200, resp
        assert len(resp.json["allocation_requests"]) == int(first)
    resp = _ac(placement, [("resources", "VCPU:1"), ("limit", "2"), ("limit", "2")],
               version="1.16")
    assert resp.status == 200 and len(resp.json["allocation_requests"]) == 2


@pytest.mark.parametrize("values", [("0", "2"), ("2", "x")])
def test_every_repeated_limit_must_be_valid(placement, state, values):
    resp = _ac(placement, [("resources", "VCPU:1"), *(("limit", v) for v in values)])
    assert resp.status == 400, resp
    assert resp.error_code == "placement.undefined_code"
    assert "does not match" in resp.error_detail


def _two_numa_nodes(state):
    state.provider("host", inventory={})
    for n in (0, 1):
        state.provider(f"numa{n}", parent="host", inventory={"VCPU": 4})


def test_first_group_policy_wins(placement, state):
    _two_numa_nodes(state)
    groups = [("resources1", "VCPU:1"), ("resources2", "VCPU:1")]
    isolate = _ac(placement, groups + [("group_policy", "isolate"), ("group_policy", "none")])
    assert isolate.status == 200, isolate
    # isolate: the groups on different nodes (two ways round).
    assert len(isolate.json["allocation_requests"]) == 2
    for request in isolate.json["allocation_requests"]:
        assert len(request["allocations"]) == 2
    none = _ac(placement, groups + [("group_policy", "none"), ("group_policy", "isolate")])
    assert none.status == 200, none
    # none: also both groups on one node.
    assert len(none.json["allocation_requests"]) == 4
    assert sorted(len(r["allocations"]) for r in none.json["allocation_requests"]) == [1, 1, 2, 2]


def test_a_bad_repeated_group_policy_is_400(placement, state):
    resp = _ac(placement, [("resources1", "VCPU:1"), ("resources2", "VCPU:1"),
                           ("group_policy", "none"), ("group_policy", "bogus")])
    assert resp.status == 400, resp
    assert "is not one of" in resp.error_detail


def _providers(placement, params, version):
    resp = placement.get("/resource_providers", params=params, version=version)
    assert resp.status == 200, resp
    return {p["uuid"] for p in resp.json["resource_providers"]}


def test_repeated_required_on_providers_before_1_39_the_last_wins(placement, state):
    state.provider("avx", inventory={"VCPU": 1}, traits=["HW_CPU_X86_AVX"])
    state.provider("sse", inventory={"VCPU": 1}, traits=["HW_CPU_X86_SSE"])
    repeated = [("required", "HW_CPU_X86_AVX"), ("required", "HW_CPU_X86_SSE")]
    for version in ("1.18", "1.22", "1.38"):
        assert _providers(placement, repeated, version) == {U("sse")}
        assert _providers(placement, repeated[::-1], version) == {U("avx")}
    # From 1.39 the values AND: no provider has both.
    assert _providers(placement, repeated, "1.39") == set()
    # Before 1.18 required is no parameter at all.
    resp = placement.get("/resource_providers", params=repeated, version="1.17")
    assert resp.status == 400


def test_other_repeated_provider_filters_keep_the_last(placement, state):
    state.provider("a", inventory={"VCPU": 1})
    state.provider("b", inventory={"VCPU": 1})
    assert _providers(placement, [("name", "a"), ("name", "b")], "1.0") == {U("b")}
    # member_of may not repeat before 1.24.
    resp = placement.get("/resource_providers", version="1.23",
                         params=[("member_of", U("x")), ("member_of", U("y"))])
    assert resp.status == 400


# -- member_of=X&member_of=!X: valid, matches nothing ---------------------------

@pytest.mark.parametrize("forbid", ["!{x}", "!in:{x}", "!in:{x},{y}"])
def test_required_and_forbidden_aggregate_matches_nothing(placement, state, forbid):
    x, y = State.aggregate_uuid("x"), State.aggregate_uuid("y")
    state.provider("in_x", inventory={"VCPU": 4}, aggregates=["x"])
    state.provider("in_y", inventory={"VCPU": 4}, aggregates=["y"])
    params = [("member_of", x), ("member_of", forbid.format(x=x, y=y))]
    resp = placement.get("/resource_providers", params=params, version="1.32")
    assert resp.status == 200, resp
    assert resp.json == {"resource_providers": []}
    resp = _ac(placement, [("resources", "VCPU:1"), *params], version="1.32")
    assert resp.status == 200, resp
    assert resp.json["allocation_requests"] == [] and resp.json["provider_summaries"] == {}
    # Granular too.
    resp = _ac(placement, [("resources1", "VCPU:1"), *((k + "1", v) for k, v in params)])
    assert resp.status == 200, resp
    assert resp.json["allocation_requests"] == []
    # Each alone still matches.
    assert _providers(placement, params[:1], "1.32") == {U("in_x")}
