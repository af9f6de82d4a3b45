"""GET /allocation_candidates through HTTP on a real database.

State is arranged with ``tests.fixtures.placement_state`` (direct inserts,
deterministic uuids: ``U("cn1")``); every expectation below is worked out
by hand from the trees drawn in each test.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.fixtures.placement_state import State, uuid_for as U

AC = "/allocation_candidates"
SHARES = "MISC_SHARES_VIA_AGGREGATE"


@pytest.fixture
def state(placement, placement_database):
    return State(placement_database.engine)


def get(placement, version="1.39", **params):
    return placement.get(AC, params=params, version=version)


def allocs(resp):
    """Allocation requests as comparable sets of ((uuid, rc, amount), ...)."""
    out = []
    for req in resp.json["allocation_requests"]:
        items = req["allocations"]
        if isinstance(items, list):
            flat = frozenset((a["resource_provider"]["uuid"], rc, n)
                             for a in items for rc, n in a["resources"].items())
        else:
            flat = frozenset((u, rc, n) for u, a in items.items()
                             for rc, n in a["resources"].items())
        out.append(flat)
    return out


def A(*triples):
    return frozenset((U(name), rc, n) for name, rc, n in triples)


def same(resp, *expected):
    """The answer holds exactly these allocation requests (with repeats:
    two requests may allocate alike and differ in their mappings)."""
    assert resp.status == 200, resp
    got = allocs(resp)
    assert Counter(got) == Counter(expected), got


# -- basics, formats, microversion windows --------------------------------------

def test_absent_before_1_10(placement, state):
    assert get(placement, version="1.9", resources="VCPU:1").status == 404


def test_flat_capacity_and_formats(placement, state):
    state.provider("cn1", inventory={"VCPU": {"total": 8, "allocation_ratio": 2.0, "max_unit": 16},
                                     "MEMORY_MB": {"total": 2048, "reserved": 512},
                                     "DISK_GB": 100}, traits=["HW_CPU_X86_AVX2"])
    state.provider("cn2", inventory={"VCPU": 8, "MEMORY_MB": 1024})
    state.allocate("cn1", {"VCPU": 4, "MEMORY_MB": 500})
    # cn1 memory: (2048-512)*1 - 500 = 1036 free; cn2 has 1024.
    resp = get(placement, version="1.10", resources="VCPU:12,MEMORY_MB:1030")
    same(resp, A(("cn1", "VCPU", 12), ("cn1", "MEMORY_MB", 1030)))
    assert resp.json["allocation_requests"] == [{"allocations": [
        {"resource_provider": {"uuid": U("cn1")},
         "resources": {"VCPU": 12, "MEMORY_MB": 1030}}]}]
    # Before 1.27 only requested classes; before 1.17 no traits; no tree before 1.29.
    assert resp.json["provider_summaries"] == {U("cn1"): {"resources": {
        "VCPU": {"capacity": 16, "used": 4}, "MEMORY_MB": {"capacity": 1536, "used": 500}}}}
    assert "Last-Modified" not in resp.headers

    resp = get(placement, version="1.12", resources="VCPU:1")
    assert resp.json["allocation_requests"][0] == {
        "allocations": {U("cn1"): {"resources": {"VCPU": 1}}}}
    assert len(resp.json["allocation_requests"]) == 2

    resp = get(placement, version="1.17", resources="VCPU:12")
    assert resp.json["provider_summaries"][U("cn1")]["traits"] == ["HW_CPU_X86_AVX2"]
    assert resp.headers["Cache-Control"] == "no-cache" and "Last-Modified" in resp.headers

    resp = get(placement, version="1.27", resources="VCPU:12")
    assert resp.json["provider_summaries"][U("cn1")]["resources"]["DISK_GB"] == {
        "capacity": 100, "used": 0}

    resp = get(placement, version="1.29", resources="VCPU:12")
    summary = resp.json["provider_summaries"][U("cn1")]
    assert summary["parent_provider_uuid"] is None
    assert summary["root_provider_uuid"] == U("cn1")
    assert "mappings" not in resp.json["allocation_requests"][0]

    resp = get(placement, version="1.34", resources="VCPU:12")
    assert resp.json["allocation_requests"][0]["mappings"] == {"": [U("cn1")]}

    # Nothing fits: an empty answer, not an error.
    resp = get(placement, resources="VCPU:100")
    assert resp.status == 200
    assert resp.json == {"allocation_requests": [], "provider_summaries": {}}


def test_min_max_unit_and_step_size(placement, state):
    state.provider("cn1", inventory={"VCPU": {"total": 16, "min_unit": 2, "max_unit": 8,
                                              "step_size": 2}})
    assert allocs(get(placement, resources="VCPU:1")) == []
    assert allocs(get(placement, resources="VCPU:3")) == []
    assert allocs(get(placement, resources="VCPU:10")) == []
    same(get(placement, resources="VCPU:4"), A(("cn1", "VCPU", 4)))


def test_limit(placement, state):
    for i in range(5):
        state.provider(f"cn{i}", inventory={"VCPU": 4})
    assert len(allocs(get(placement, resources="VCPU:1"))) == 5
    resp = get(placement, resources="VCPU:1", limit="2")
    assert len(resp.json["allocation_requests"]) == 2
    # Summaries only for the providers kept; stable order by default.
    assert set(resp.json["provider_summaries"]) == {U("cn0"), U("cn1")}
    bad = get(placement, version="1.16", resources="VCPU:1", limit="0")
    assert bad.status == 400 and "does not match" in bad.error_detail
    assert get(placement, version="1.15", resources="VCPU:1", limit="2").status == 400


# -- traits ---------------------------------------------------------------------

def test_required_forbidden_and_any_of(placement, state):
    state.provider("cn1", inventory={"VCPU": 4}, traits=["HW_CPU_X86_AVX2", "CUSTOM_GOLD"])
    state.provider("cn2", inventory={"VCPU": 4}, traits=["HW_CPU_X86_AVX2"])
    state.provider("cn3", inventory={"VCPU": 4}, traits=["HW_CPU_X86_SSE"])
    v1 = ("cn1", "VCPU", 1)
    v2 = ("cn2", "VCPU", 1)
    v3 = ("cn3", "VCPU", 1)
    same(get(placement, version="1.17", resources="VCPU:1", required="HW_CPU_X86_AVX2"),
         A(v1), A(v2))
    same(get(placement, version="1.22", resources="VCPU:1",
             required="HW_CPU_X86_AVX2,!CUSTOM_GOLD"), A(v2))
    same(get(placement, resources="VCPU:1", required="in:CUSTOM_GOLD,HW_CPU_X86_SSE"),
         A(v1), A(v3))
    # 1.39: repeated required params are ANDed.
    same(get(placement, resources="VCPU:1",
             required=["in:CUSTOM_GOLD,HW_CPU_X86_SSE", "HW_CPU_X86_AVX2"]), A(v1))
    assert get(placement, version="1.16", resources="VCPU:1",
               required="CUSTOM_GOLD").status == 400
    resp = get(placement, version="1.21", resources="VCPU:1", required="!CUSTOM_GOLD")
    assert resp.status == 400 and "Expected 'required' parameter value" in resp.error_detail
    resp = get(placement, version="1.38", resources="VCPU:1", required="in:CUSTOM_GOLD")
    assert resp.status == 400 and resp.error_code == "placement.query.bad_value"
    resp = get(placement, resources="VCPU:1", required="CUSTOM_NOPE")
    assert resp.status == 400 and "No such trait(s): CUSTOM_NOPE" in resp.error_detail
    resp = get(placement, resources="VCPU:1", required="CUSTOM_GOLD,!CUSTOM_GOLD")
    assert resp.status == 400 and "Conflicting required and forbidden" in resp.error_detail


# -- aggregates -----------------------------------------------------------------

def test_member_of(placement, state):
    state.provider("cn1", inventory={"VCPU": 4}, aggregates=["a"])
    state.provider("cn2", inventory={"VCPU": 4}, aggregates=["b"])
    state.provider("cn3", inventory={"VCPU": 4}, aggregates=["a", "b"])
    a, b = State.aggregate_uuid("a"), State.aggregate_uuid("b")
    c = State.aggregate_uuid("unknown")
    v = {n: ("cn%d" % n, "VCPU", 1) for n in (1, 2, 3)}
    same(get(placement, version="1.21", resources="VCPU:1", member_of=a), A(v[1]), A(v[3]))
    same(get(placement, version="1.21", resources="VCPU:1", member_of=f"in:{b},{c}"),
         A(v[2]), A(v[3]))
    same(get(placement, version="1.24", resources="VCPU:1", member_of=[a, b]), A(v[3]))
    assert get(placement, version="1.23", resources="VCPU:1", member_of=[a, b]).status == 400
    same(get(placement, version="1.32", resources="VCPU:1", member_of=f"!{b}"), A(v[1]))
    same(get(placement, version="1.32", resources="VCPU:1", member_of=f"!in:{a},{b}"))
    same(get(placement, resources="VCPU:1", member_of=c))
    assert get(placement, version="1.31", resources="VCPU:1", member_of=f"!{b}").status == 400
    assert get(placement, version="1.20", resources="VCPU:1", member_of=a).status == 400
    resp = get(placement, resources="VCPU:1", member_of="not-a-uuid")
    assert resp.status == 400 and resp.error_code == "placement.query.bad_value"


def test_member_of_via_root(placement, state):
    # A child is in an aggregate when its root is.
    state.provider("root", aggregates=["a"])
    state.provider("child", parent="root", inventory={"VCPU": 4})
    same(get(placement, resources="VCPU:1", member_of=State.aggregate_uuid("a")),
         A(("child", "VCPU", 1)))


# -- sharing providers ------------------------------------------------------------

def test_sharing_provider_lends_to_aggregate_members(placement, state):
    # cn1 (VCPU, MEMORY_MB, DISK_GB) in agg a; cn2 (VCPU, MEMORY_MB) in agg a;
    # cn3 (VCPU, MEMORY_MB) in agg b; ss (DISK_GB, shares) in agg a.
    state.provider("cn1", inventory={"VCPU": 8, "MEMORY_MB": 4096, "DISK_GB": 100},
                   aggregates=["a"])
    state.provider("cn2", inventory={"VCPU": 8, "MEMORY_MB": 4096}, aggregates=["a"])
    state.provider("cn3", inventory={"VCPU": 8, "MEMORY_MB": 4096}, aggregates=["b"])
    state.provider("ss", inventory={"DISK_GB": 1000}, traits=[SHARES], aggregates=["a"])
    resp = get(placement, resources="VCPU:1,MEMORY_MB:512,DISK_GB:10")
    same(resp,
         A(("cn1", "VCPU", 1), ("cn1", "MEMORY_MB", 512), ("cn1", "DISK_GB", 10)),
         A(("cn1", "VCPU", 1), ("cn1", "MEMORY_MB", 512), ("ss", "DISK_GB", 10)),
         A(("cn2", "VCPU", 1), ("cn2", "MEMORY_MB", 512), ("ss", "DISK_GB", 10)))
    assert set(resp.json["provider_summaries"]) == {U("cn1"), U("cn2"), U("ss")}
    mixed = [r for r in resp.json["allocation_requests"] if U("cn2") in r["allocations"]][0]
    assert mixed["mappings"] == {"": [U("cn2"), U("ss")]}
    # The sharing provider alone satisfies a disk-only request, once.
    same(get(placement, resources="DISK_GB:10"),
         A(("cn1", "DISK_GB", 10)), A(("ss", "DISK_GB", 10)))
    # Before 1.29 (no nesting) sharing still works: separate trees.
    assert len(allocs(get(placement, version="1.28",
                          resources="VCPU:1,MEMORY_MB:512,DISK_GB:10"))) == 3
    # Required traits of the unsuffixed group: the union of the providers used.
    same(get(placement, resources="VCPU:1,DISK_GB:10", required=SHARES),
         A(("cn1", "VCPU", 1), ("ss", "DISK_GB", 10)),
         A(("cn2", "VCPU", 1), ("ss", "DISK_GB", 10)))
    same(get(placement, resources="VCPU:1,DISK_GB:10", required="!" + SHARES),
         A(("cn1", "VCPU", 1), ("cn1", "DISK_GB", 10)))


def test_two_sharing_providers(placement, state):
    # cn (VCPU) with two sharing disks and one sharing IPv4 pool, all in agg a.
    state.provider("cn", inventory={"VCPU": 8}, aggregates=["a"])
    state.provider("d1", inventory={"DISK_GB": 100}, traits=[SHARES], aggregates=["a"])
    state.provider("d2", inventory={"DISK_GB": 100}, traits=[SHARES], aggregates=["a"])
    state.provider("ip", inventory={"IPV4_ADDRESS": 10}, traits=[SHARES], aggregates=["a"])
    same(get(placement, resources="VCPU:1,DISK_GB:5,IPV4_ADDRESS:1"),
         A(("cn", "VCPU", 1), ("d1", "DISK_GB", 5), ("ip", "IPV4_ADDRESS", 1)),
         A(("cn", "VCPU", 1), ("d2", "DISK_GB", 5), ("ip", "IPV4_ADDRESS", 1)))
    # Only sharing providers: each combination once (whatever the anchor).
    same(get(placement, resources="DISK_GB:5,IPV4_ADDRESS:1"),
         A(("d1", "DISK_GB", 5), ("ip", "IPV4_ADDRESS", 1)),
         A(("d2", "DISK_GB", 5), ("ip", "IPV4_ADDRESS", 1)))


# -- nested providers -------------------------------------------------------------

def _numa_host(state, name="host", *, aggregates=(), disk=True):
    """host (DISK_GB 100) -> numa0 (VCPU 4, MEMORY_MB 2048, CUSTOM_NUMA_0)
                          -> numa1 (VCPU 4, MEMORY_MB 2048, CUSTOM_NUMA_1)"""
    state.provider(name, inventory={"DISK_GB": 100} if disk else {},
                   aggregates=aggregates, traits=["HW_CPU_X86_AVX2"])
    for j in range(2):
        state.provider(f"{name}_numa{j}", parent=name, traits=[f"CUSTOM_NUMA_{j}"],
                       inventory={"VCPU": 4, "MEMORY_MB": 2048})


def test_nested_tree_satisfies_unsuffixed_group(placement, state):
    _numa_host(state)
    n0, n1 = "host_numa0", "host_numa1"
    resp = get(placement, resources="VCPU:1,MEMORY_MB:1024,DISK_GB:10")
    same(resp, *[A((c, "VCPU", 1), (m, "MEMORY_MB", 1024), ("host", "DISK_GB", 10))
                 for c in (n0, n1) for m in (n0, n1)])
    summaries = resp.json["provider_summaries"]
    assert summaries[U(n1)]["parent_provider_uuid"] == U("host")
    assert summaries[U(n1)]["root_provider_uuid"] == U("host")
    assert summaries[U("host")]["resources"] == {"DISK_GB": {"capacity": 100, "used": 0}}
    # Before 1.29 a request may not use two providers of one tree.
    same(get(placement, version="1.28", resources="VCPU:1,MEMORY_MB:1024,DISK_GB:10"))
    resp = get(placement, version="1.28", resources="VCPU:1,MEMORY_MB:1024")
    same(resp, A((n0, "VCPU", 1), (n0, "MEMORY_MB", 1024)),
         A((n1, "VCPU", 1), (n1, "MEMORY_MB", 1024)))
    assert set(resp.json["provider_summaries"]) == {U(n0), U(n1)}
    # 1.29+: a whole tree is summarised, including the root that gives nothing.
    resp = get(placement, resources="VCPU:1,MEMORY_MB:1024", limit="1")
    assert set(resp.json["provider_summaries"]) == {U("host"), U(n0), U(n1)}
    # Traits: the union of the providers serving the group.
    same(get(placement, resources="VCPU:1,DISK_GB:10", required="CUSTOM_NUMA_1"),
         A((n1, "VCPU", 1), ("host", "DISK_GB", 10)))
    # A trait on the root that serves nothing does not count.
    same(get(placement, resources="VCPU:1", required="HW_CPU_X86_AVX2"))


def test_granular_group_policy(placement, state):
    _numa_host(state, disk=False)
    n0, n1 = "host_numa0", "host_numa1"
    resp = get(placement, version="1.25", resources1="VCPU:1", resources2="VCPU:1")
    assert resp.status == 400 and '"group_policy" parameter is required' in resp.error_detail
    same(get(placement, resources1="VCPU:1", resources2="VCPU:1", group_policy="isolate"),
         A((n0, "VCPU", 1), (n1, "VCPU", 1)), A((n0, "VCPU", 1), (n1, "VCPU", 1)))
    resp = get(placement, resources1="VCPU:1", resources2="VCPU:1", group_policy="none")
    same(resp, A((n0, "VCPU", 2)), A((n1, "VCPU", 2)),
         A((n0, "VCPU", 1), (n1, "VCPU", 1)), A((n0, "VCPU", 1), (n1, "VCPU", 1)))
    mappings = sorted((r["mappings"]["1"][0], r["mappings"]["2"][0])
                      for r in resp.json["allocation_requests"])
    assert mappings == sorted([(U(a), U(b)) for a in (n0, n1) for b in (n0, n1)])
    # Merged amounts must fit: VCPU 4 per node.
    same(get(placement, resources1="VCPU:3", resources2="VCPU:3", group_policy="none"),
         A((n0, "VCPU", 3), (n1, "VCPU", 3)), A((n0, "VCPU", 3), (n1, "VCPU", 3)))
    # One group per provider; the unsuffixed group may spread.
    same(get(placement, resources1="VCPU:1,MEMORY_MB:100", required1="CUSTOM_NUMA_1",
             resources="VCPU:1"),
         A((n1, "VCPU", 2), (n1, "MEMORY_MB", 100)),
         A((n1, "VCPU", 1), (n1, "MEMORY_MB", 100), (n0, "VCPU", 1)))
    # Only one numbered group: no group_policy needed.
    same(get(placement, version="1.25", resources1="VCPU:1,MEMORY_MB:100", required1="!CUSTOM_NUMA_0"),
         A((n1, "VCPU", 1), (n1, "MEMORY_MB", 100)))


def test_nested_sharing_granular(placement, state):
    """host (no inventory, agg a) -> numa0, numa1 (VCPU 4, MEMORY_MB 2048)
    ss (DISK_GB 1000, shares via agg a);  other (VCPU, MEMORY_MB, not in a)."""
    _numa_host(state, aggregates=["a"], disk=False)
    state.provider("ss", inventory={"DISK_GB": 1000}, traits=[SHARES], aggregates=["a"])
    state.provider("other", inventory={"VCPU": 4, "MEMORY_MB": 2048})
    n0, n1 = "host_numa0", "host_numa1"
    resp = get(placement, resources="DISK_GB:10", resources1="VCPU:1,MEMORY_MB:512",
               required1="CUSTOM_NUMA_1")
    same(resp, A((n1, "VCPU", 1), (n1, "MEMORY_MB", 512), ("ss", "DISK_GB", 10)))
    assert resp.json["allocation_requests"][0]["mappings"] == {"": [U("ss")], "1": [U(n1)]}
    assert set(resp.json["provider_summaries"]) == {U("host"), U(n0), U(n1), U("ss")}
    # The disk as its own granular group from the sharing provider.
    resp = get(placement, resources1="VCPU:1", resources2="DISK_GB:10", group_policy="isolate")
    same(resp, A((n0, "VCPU", 1), ("ss", "DISK_GB", 10)),
         A((n1, "VCPU", 1), ("ss", "DISK_GB", 10)))
    # Unsuffixed spread over the tree plus the sharing disk: 2 x 2 choices.
    same(get(placement, resources="VCPU:1,MEMORY_MB:1024,DISK_GB:10"),
         *[A((c, "VCPU", 1), (m, "MEMORY_MB", 1024), ("ss", "DISK_GB", 10))
           for c in (n0, n1) for m in (n0, n1)])


def test_string_suffixes(placement, state):
    _numa_host(state, disk=False)
    same(get(placement, version="1.33", resources_CPU="VCPU:1", required_CPU="CUSTOM_NUMA_0"),
         A(("host_numa0", "VCPU", 1)))
    resp = get(placement, version="1.32", resources_CPU="VCPU:1")
    assert resp.status == 400 and "does not match any of the regexes" in resp.error_detail


# -- in_tree, root_required, same_subtree -------------------------------------------

def test_in_tree(placement, state):
    _numa_host(state, "h1")
    _numa_host(state, "h2")
    state.provider("ss", inventory={"DISK_GB": 1000}, traits=[SHARES], aggregates=["a"])
    resp = get(placement, version="1.31", resources="VCPU:1", in_tree=U("h2_numa1"))
    same(resp, A(("h2_numa0", "VCPU", 1)), A(("h2_numa1", "VCPU", 1)))
    same(get(placement, resources1="VCPU:1", in_tree1=U("h1"), resources="DISK_GB:1",
             in_tree=U("h2")))
    same(get(placement, resources="VCPU:1", in_tree=U("nowhere")))
    assert get(placement, version="1.30", resources="VCPU:1", in_tree=U("h1")).status == 400
    assert get(placement, resources="VCPU:1", in_tree="bogus").status == 400


def test_root_required(placement, state):
    state.provider("h1", traits=["COMPUTE_STATUS_DISABLED"])
    state.provider("h1c", parent="h1", inventory={"VCPU": 4})
    state.provider("h2", traits=["HW_CPU_X86_AVX2"])
    state.provider("h2c", parent="h2", inventory={"VCPU": 4}, traits=["COMPUTE_STATUS_DISABLED"])
    same(get(placement, version="1.35", resources="VCPU:1",
             root_required="!COMPUTE_STATUS_DISABLED"), A(("h2c", "VCPU", 1)))
    same(get(placement, resources="VCPU:1", root_required="COMPUTE_STATUS_DISABLED"),
         A(("h1c", "VCPU", 1)))
    resp = get(placement, resources="VCPU:1", root_required=["HW_CPU_X86_AVX2", "!X"])
    assert resp.status == 400 and resp.error_code == "placement.query.duplicate_key"
    resp = get(placement, resources="VCPU:1", root_required="in:HW_CPU_X86_AVX2")
    assert resp.status == 400 and resp.error_code == "placement.query.bad_value"
    assert get(placement, version="1.34", resources="VCPU:1",
               root_required="HW_CPU_X86_AVX2").status == 400


def _nic_host(state):
    """host -> numa0 (VCPU 4, CUSTOM_NUMA) -> pf0 (SRIOV_NET_VF 4, CUSTOM_PHYSNET_A)
            -> numa1 (VCPU 4, CUSTOM_NUMA) -> pf1 (SRIOV_NET_VF 4, CUSTOM_PHYSNET_A)"""
    state.provider("host")
    for j in range(2):
        state.provider(f"numa{j}", parent="host", inventory={"VCPU": 4}, traits=["CUSTOM_NUMA"])
        state.provider(f"pf{j}", parent=f"numa{j}", inventory={"SRIOV_NET_VF": 4},
                       traits=["CUSTOM_PHYSNET_A"])


def test_same_subtree(placement, state):
    _nic_host(state)
    params = {"resources_CPU": "VCPU:1", "resources_NET": "SRIOV_NET_VF:1",
              "group_policy": "none"}
    assert len(allocs(get(placement, **params))) == 4
    resp = get(placement, version="1.36", same_subtree="_CPU,_NET", **params)
    same(resp, A(("numa0", "VCPU", 1), ("pf0", "SRIOV_NET_VF", 1)),
         A(("numa1", "VCPU", 1), ("pf1", "SRIOV_NET_VF", 1)))
    assert get(placement, version="1.35", same_subtree="_CPU,_NET", **params).status == 400


def test_resourceless_groups(placement, state):
    _nic_host(state)
    # Two VFs from different PFs under the same NUMA node: impossible here
    # (one PF per node), so isolate gives nothing ...
    query = {"required_NUMA": "CUSTOM_NUMA", "resources_VF1": "SRIOV_NET_VF:1",
             "resources_VF2": "SRIOV_NET_VF:1", "same_subtree": "_NUMA,_VF1,_VF2",
             "group_policy": "isolate"}
    same(get(placement, **query))
    # ... and none gives the two VFs from one PF, under either node.
    query["group_policy"] = "none"
    resp = get(placement, **query)
    same(resp, A(("pf0", "SRIOV_NET_VF", 2)), A(("pf1", "SRIOV_NET_VF", 2)))
    # The resourceless group is mapped but allocates nothing.
    by_pf = {r["mappings"]["_VF1"][0]: r for r in resp.json["allocation_requests"]}
    assert by_pf[U("pf0")]["mappings"]["_NUMA"] == [U("numa0")]
    assert list(by_pf[U("pf0")]["allocations"]) == [U("pf0")]
    # Resourceless groups must be named in same_subtree (a bad value) ...
    resp = get(placement, required_NUMA="CUSTOM_NUMA", resources_VF="SRIOV_NET_VF:1")
    assert resp.status == 400 and resp.error_code == "placement.query.bad_value"
    assert "bad group(s) - ['_NUMA']" in resp.error_detail
    # ... once some group has resources (that is checked first).
    resp = get(placement, required_NUMA="CUSTOM_NUMA")
    assert resp.status == 400 and resp.error_code == "placement.query.missing_value"
    # ... and before 1.36 every group needs resources.
    resp = get(placement, version="1.35", required_NUMA="CUSTOM_NUMA",
               resources_VF="SRIOV_NET_VF:1")
    assert resp.status == 400 and "orphaned traits keys: required_NUMA" in resp.error_detail
    resp = get(placement, required_NUMA="CUSTOM_NUMA", same_subtree="_NUMA")
    assert resp.status == 400 and resp.error_code == "placement.query.missing_value"
    resp = get(placement, resources_VF="SRIOV_NET_VF:1", same_subtree="_VF,_NOPE")
    assert resp.status == 400 and resp.error_code == "placement.query.bad_value"
    resp = get(placement, resources_VF="SRIOV_NET_VF:1", same_subtree="_VF,")
    assert resp.status == 400 and resp.error_code == "placement.query.bad_value"


# -- validation ---------------------------------------------------------------------

@pytest.mark.parametrize("version,params,fragment", [
    ("1.10", {}, "'resources' is a required property"),
    ("1.24", {}, "'resources' is a required property"),
    ("1.25", {}, "At least one request group"),
    ("1.10", {"resources": "VCPU"}, "Badly formed resources parameter"),
    ("1.10", {"resources": "VCPU:0"}, "expected positive integer"),
    ("1.10", {"resources": "VCPU:1,VCPU:2"}, "specified more than once"),
    ("1.10", {"resources": "CUSTOM_NOPE:1"}, "No such resource class CUSTOM_NOPE"),
    ("1.10", {"resources": "VCPU:1", "bogus": "1"}, "Additional properties"),
    ("1.25", {"resources1": "VCPU:1", "group_policy": "bogus"}, "is not one of"),
    ("1.25", {"resources": "VCPU:1", "required1": "CUSTOM_X"}, "orphaned traits keys: required1"),
    ("1.25", {"resources": "VCPU:1", "member_of1": "in:" + U("a")},
     "orphaned member_of keys: member_of1"),
    ("1.31", {"resources": "VCPU:1", "in_tree1": U("a")}, "All request groups must specify"),
    ("1.25", {"resources0": "VCPU:1"}, "does not match any of the regexes"),
])
def test_bad_queries(placement, state, version, params, fragment):
    resp = get(placement, version=version, **params)
    assert resp.status == 400, resp
    assert fragment in resp.error_detail


def test_error_codes(placement, state):
    resp = get(placement, resources="VCPU")
    assert resp.error_code == "placement.query.bad_value"
    assert get(placement, version="1.22", resources="VCPU").error_code is None


def test_policy(placement, state):
    resp = placement.as_user().get(AC, params={"resources": "VCPU:1"})
    assert resp.status == 403


def test_limit_reads_windows_of_trees_and_keeps_the_order(placement, state):
    """With a limit trees are read a window at a time: the answer is the
    start of the unlimited one, sharing providers (created last, so in the
    last window) still lend to trees of the first windows."""
    specs = [{"name": f"cn{i}", "aggregates": [f"agg{i % 2}"],
              "inventory": {"VCPU": 4, "DISK_GB": 10}} for i in range(300)]
    specs.append({"name": "ss", "traits": [SHARES], "aggregates": ["agg0"],
                  "inventory": {"DISK_GB": 1000}})
    state.bulk(specs)
    full = get(placement, resources="VCPU:1,DISK_GB:5").json["allocation_requests"]
    assert len(full) == 450
    for limit in ("1", "70", "449", "450", "1000"):
        resp = get(placement, resources="VCPU:1,DISK_GB:5", limit=limit)
        assert resp.json["allocation_requests"] == full[:int(limit)]
        used = {u for r in resp.json["allocation_requests"] for u in r["allocations"]}
        assert set(resp.json["provider_summaries"]) == used
