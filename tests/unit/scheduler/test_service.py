"""The claim loop, all-or-nothing and alternates, against a fake placement."""
import json
import random

import pytest

from nubes.common.context import RequestContext
from nubes.placement.client import ClaimResult, PlacementUnavailable
from nubes.scheduler.messages import (AllocationConflict, NoValidHost, PlacementUnreachable,
                                      ServerGroup)
from nubes.scheduler.service import SchedulerService
from tests.unit.scheduler.fakes import (CELL1, CELL2, FakeCatalog, FakeHost, FakePlacement,
                                        conf, node_uuid, spec)


def service(hosts, **opts):
    placement = FakePlacement(hosts)
    svc = SchedulerService(conf(**opts), FakeCatalog(hosts), placement,
                           rng=random.Random(1), sleep=lambda s: None)
    return svc, placement


def hosts_of(result):
    return [[s.service_host for s in per] for per in result]


def test_claims_the_best_host_with_consumer_and_alternates_unclaimed():
    hosts = [FakeHost("a", used={"MEMORY_MB": 4096}), FakeHost("b"), FakeHost("c")]
    svc, placement = service(hosts)
    result = svc.select_destinations(RequestContext(), spec(), ["i1"])
    assert hosts_of(result) == [["b", "c", "a"]]
    first, *alternates = result[0]
    assert first.claimed and first.consumer_uuid == "i1"
    assert first.compute_node_uuid == node_uuid("b") and first.cell_uuid == CELL1
    assert json.loads(first.allocation_request)["allocations"] == \
        placement.allocations["i1"]
    assert all(not a.claimed and a.consumer_uuid is None for a in alternates)
    assert placement.claims == [("i1", "b")]


def test_max_attempts_bounds_alternates():
    hosts = [FakeHost(n) for n in "abcde"]
    svc, _ = service(hosts, max_attempts=2)
    assert len(svc.select_destinations(RequestContext(), spec(), ["i1"])[0]) == 2
    svc, _ = service(hosts, max_attempts=1)
    assert len(svc.select_destinations(RequestContext(), spec(), ["i1"])[0]) == 1
    svc, _ = service(hosts)
    assert len(svc.select_destinations(RequestContext(), spec(), ["i1"],
                                       return_alternates=False)[0]) == 1


def test_alternates_come_from_the_chosen_hosts_cell_only():
    hosts = [FakeHost("a1", CELL1), FakeHost("b2", CELL2, used={"VCPU": 1}),
             FakeHost("c2", CELL2, used={"VCPU": 2}), FakeHost("d1", CELL1, used={"VCPU": 4})]
    svc, _ = service(hosts, max_attempts=4)
    result = svc.select_destinations(RequestContext(), spec(), ["i1"])
    assert hosts_of(result) == [["a1", "d1"]]
    assert {s.cell_uuid for s in result[0]} == {CELL1}


def test_capacity_conflict_moves_to_the_next_host():
    hosts = [FakeHost("a"), FakeHost("b", used={"VCPU": 1})]
    svc, placement = service(hosts)
    placement.scripted[node_uuid("a")] = [ClaimResult.CAPACITY]
    result = svc.select_destinations(RequestContext(), spec(), ["i1"])
    assert placement.claims == [("i1", "a"), ("i1", "b")]
    # The refused host is no alternate either.
    assert hosts_of(result) == [["b"]]


def test_provider_generation_race_is_retried_on_the_same_host():
    hosts = [FakeHost("a"), FakeHost("b", used={"VCPU": 1})]
    svc, placement = service(hosts, claim_retries=2)
    placement.scripted[node_uuid("a")] = [ClaimResult.PROVIDER_GENERATION] * 2
    svc.select_destinations(RequestContext(), spec(), ["i1"])
    assert placement.claims == [("i1", "a")] * 3


def test_provider_generation_retries_are_bounded():
    hosts = [FakeHost("a"), FakeHost("b", used={"VCPU": 1})]
    svc, placement = service(hosts, claim_retries=1)
    placement.scripted[node_uuid("a")] = [ClaimResult.PROVIDER_GENERATION] * 5
    result = svc.select_destinations(RequestContext(), spec(), ["i1"])
    assert placement.claims == [("i1", "a"), ("i1", "a"), ("i1", "b")]
    assert result[0][0].service_host == "b"


def test_consumer_generation_conflict_fails_without_touching_its_allocations():
    hosts = [FakeHost("a")]
    svc, placement = service(hosts)
    placement.allocations["i2"] = {node_uuid("a"): {"resources": {"VCPU": 1}}}
    with pytest.raises(AllocationConflict):
        svc.select_destinations(RequestContext(), spec(), ["i1", "i2"])
    assert "i2" in placement.allocations          # someone else's claim stays
    assert "i1" not in placement.allocations      # ours is released
    assert "i2" not in placement.deleted


def test_multi_create_fills_hosts_and_sees_its_own_claims():
    hosts = [FakeHost("a", vcpus=2), FakeHost("b", vcpus=1)]
    svc, placement = service(hosts, cpu_weight_multiplier=0.0, ram_weight_multiplier=0.0,
                             disk_weight_multiplier=0.0)
    result = svc.select_destinations(RequestContext(), spec(), ["i1", "i2", "i3"])
    assert sorted(s[0].service_host for s in result) == ["a", "a", "b"]
    # No claim was sent to a host this cycle knew to be full.
    assert len(placement.claims) == 3


def test_multi_create_is_all_or_nothing():
    hosts = [FakeHost("a", vcpus=2)]
    svc, placement = service(hosts)
    with pytest.raises(NoValidHost):
        svc.select_destinations(RequestContext(), spec(), ["i1", "i2", "i3"])
    assert placement.allocations == {}
    assert placement.deleted == ["i1", "i2"]
    assert hosts[0].used["VCPU"] == 0


def test_no_candidates_is_no_valid_host():
    svc, _ = service([FakeHost("a", vcpus=1, used={"VCPU": 1})])
    with pytest.raises(NoValidHost, match="no allocation candidates"):
        svc.select_destinations(RequestContext(), spec(), ["i1"])


def test_bad_flavor_is_no_valid_host():
    svc, _ = service([FakeHost("a")])
    with pytest.raises(NoValidHost, match="not an integer"):
        svc.select_destinations(RequestContext(), spec(extra_specs={"resources:VCPU": "x"}),
                                ["i1"])


def test_filters_leave_nothing():
    svc, placement = service([FakeHost("a", up=False)])
    with pytest.raises(NoValidHost):
        svc.select_destinations(RequestContext(), spec(), ["i1"])
    assert placement.claims == []


def test_ignore_hosts_and_requested_host():
    from nubes.scheduler.messages import Destination
    hosts = [FakeHost("a"), FakeHost("b"), FakeHost("c")]
    svc, _ = service(hosts)
    result = svc.select_destinations(RequestContext(), spec(ignore_hosts=["a", "b"]), ["i1"])
    assert hosts_of(result) == [["c"]]
    result = svc.select_destinations(
        RequestContext(), spec(requested_destination=Destination(host="b")), ["i2"])
    assert hosts_of(result) == [["b"]]


def test_anti_affinity_multi_create_spreads_and_alternates_avoid_members():
    hosts = [FakeHost(n) for n in "abcd"]
    svc, _ = service(hosts)
    s = spec(server_group=ServerGroup("g", "anti-affinity", hosts=["d"]))
    result = svc.select_destinations(RequestContext(), s, ["i1", "i2"])
    chosen = [per[0].service_host for per in result]
    assert len(set(chosen)) == 2 and "d" not in chosen
    for per in result:
        assert {a.service_host for a in per[1:]}.isdisjoint(set(chosen) | {"d"})


def test_affinity_multi_create_stacks_on_one_host():
    hosts = [FakeHost("a"), FakeHost("b", memory_mb=9000)]
    svc, _ = service(hosts)
    s = spec(server_group=ServerGroup("g", "affinity"))
    result = svc.select_destinations(RequestContext(), s, ["i1", "i2", "i3"])
    assert {per[0].service_host for per in result} == {"b"}
    assert all(len(per) == 1 for per in result)    # no alternate is in the group's host


def test_host_subset_size_picks_among_the_best():
    hosts = [FakeHost("a"), FakeHost("b", used={"VCPU": 1}), FakeHost("c", used={"VCPU": 2})]
    seen = set()
    for seed in range(20):
        placement = FakePlacement(hosts)
        svc = SchedulerService(conf(host_subset_size=2), FakeCatalog(hosts), placement,
                               rng=random.Random(seed))
        seen.add(svc.select_destinations(RequestContext(), spec(), [f"i{seed}"])[0][0].host)
        placement.delete_allocations(f"i{seed}")
    assert seen == {"a", "b"}


def test_a_claim_without_answer_is_released_once_placement_is_back():
    """Placement took the second claim and died before answering: that
    claim is released with the first, the release retried until placement
    answers again (it restarts)."""
    hosts = [FakeHost("a", vcpus=8)]
    svc, placement = service(hosts)
    real_claim, real_delete = placement.claim, placement.delete_allocations
    down = {"deletes": 2}

    def claim(consumer, *args, **kwargs):
        result = real_claim(consumer, *args, **kwargs)
        if consumer == "i2":
            raise PlacementUnavailable("placement PUT /allocations/i2: no answer")
        return result

    def delete_allocations(consumer, **kwargs):
        if down["deletes"]:
            down["deletes"] -= 1
            raise PlacementUnavailable("placement DELETE: connection refused")
        return real_delete(consumer, **kwargs)
    placement.claim, placement.delete_allocations = claim, delete_allocations
    with pytest.raises(PlacementUnreachable):
        svc.select_destinations(RequestContext(), spec(), ["i1", "i2", "i3"])
    assert placement.allocations == {}
    assert placement.deleted == ["i1", "i2"]
    assert hosts[0].used["VCPU"] == 0
