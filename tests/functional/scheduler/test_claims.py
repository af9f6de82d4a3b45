"""Scheduling against a real placement and real cell databases: claims,
capacity races, all-or-nothing multi-create, alternates."""
from __future__ import annotations

import json
import uuid as uuidlib

import pytest

from nubes.common.context import RequestContext
from nubes.placement.client import PlacementClient
from nubes.scheduler.messages import AllocationConflict, Destination, NoValidHost
from tests.functional.scheduler.helpers import spec, uuids


def ctx():
    return RequestContext.admin()


def test_claim_lands_in_placement(cloud):
    cloud.add_host("h1", vcpus=4)
    big = cloud.add_host("h2", vcpus=8, memory_mb=8192, disk_gb=80)
    [instance] = uuids(1)
    [[selection, *alternates]] = cloud.scheduler().select_destinations(
        ctx(), spec(vcpus=2, memory_mb=1024, root_gb=10), [instance])
    assert (selection.service_host, selection.nodename) == ("h2", "h2")
    assert selection.compute_node_uuid == big.uuid
    assert selection.cell_uuid == cloud.deployment.cells["cell1"].uuid
    assert selection.claimed and selection.consumer_uuid == instance
    assert selection.allocation_request_version == "1.36"
    allocations = cloud.allocations(instance)
    assert allocations["allocations"] == {big.uuid: {
        "generation": allocations["allocations"][big.uuid]["generation"],
        "resources": {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 10}}}
    assert allocations["consumer_type"] == "INSTANCE"
    assert (allocations["project_id"], allocations["user_id"]) == ("p1", "u1")
    assert json.loads(selection.allocation_request)["allocations"] == {
        big.uuid: {"resources": {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 10}}}
    # The alternate is unclaimed.
    assert [a.service_host for a in alternates] == ["h1"]
    assert not alternates[0].claimed
    assert cloud.usages(cloud.hosts["h1"].uuid) == {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}


class RacingPlacement(PlacementClient):
    """Someone else fills ``victim`` between our candidates and our claim."""

    victim: str = ""
    cloud = None

    def allocation_candidates(self, *args, **kwargs):
        answer = super().allocation_candidates(*args, **kwargs)
        inv = {"VCPU": 4, "MEMORY_MB": 4096, "DISK_GB": 40}
        resp = self.cloud.placement.put(f"/allocations/{uuidlib.uuid4()}", version="1.38",
                                        json={"allocations": {self.victim: {"resources": inv}},
                                              "project_id": "other", "user_id": "other",
                                              "consumer_generation": None,
                                              "consumer_type": "INSTANCE"})
        assert resp.status == 204, resp
        return answer


def test_capacity_conflict_moves_to_the_next_host(cloud):
    best = cloud.add_host("best", vcpus=4, memory_mb=4096, disk_gb=40)
    cloud.add_host("second", vcpus=2)
    racing = cloud.typed_placement(RacingPlacement)
    racing.victim, racing.cloud = best.uuid, cloud
    [[selection, *alternates]] = cloud.scheduler(racing).select_destinations(
        ctx(), spec(), uuids(1))
    assert selection.service_host == "second"
    # The host placement refused is not offered as an alternate.
    assert alternates == []


def test_room_for_nothing_is_no_valid_host(cloud):
    cloud.add_host("h1", vcpus=1)
    with pytest.raises(NoValidHost, match="no allocation candidates"):
        cloud.scheduler().select_destinations(ctx(), spec(vcpus=2), uuids(1))


def test_multi_create_is_all_or_nothing(cloud):
    cloud.add_host("h1", vcpus=2)
    cloud.add_host("h2", vcpus=1)
    instances = uuids(4)
    with pytest.raises(NoValidHost):
        cloud.scheduler().select_destinations(ctx(), spec(), instances)
    for instance in instances:
        assert cloud.allocations(instance)["allocations"] == {}
    for host in cloud.hosts.values():
        assert cloud.usages(host.uuid)["VCPU"] == 0


def test_multi_create_fills_the_room_there_is(cloud):
    cloud.add_host("h1", vcpus=2)
    cloud.add_host("h2", vcpus=1)
    instances = uuids(3)
    result = cloud.scheduler().select_destinations(ctx(), spec(), instances)
    assert sorted(per[0].service_host for per in result) == ["h1", "h1", "h2"]
    assert cloud.usages(cloud.hosts["h1"].uuid)["VCPU"] == 2
    assert cloud.usages(cloud.hosts["h2"].uuid)["VCPU"] == 1
    for instance, per in zip(instances, result):
        assert per[0].consumer_uuid == instance
        assert list(cloud.allocations(instance)["allocations"]) == [per[0].compute_node_uuid]


def test_an_instance_with_allocations_is_a_conflict(cloud):
    host = cloud.add_host("h1")
    [instance] = uuids(1)
    cloud.scheduler().select_destinations(ctx(), spec(), [instance])
    with pytest.raises(AllocationConflict):
        cloud.scheduler().select_destinations(ctx(), spec(), [instance])
    # The first claim is left alone.
    assert list(cloud.allocations(instance)["allocations"]) == [host.uuid]


def test_alternates_are_from_the_chosen_cell_and_unclaimed(cloud):
    cloud.add_host("c1-big", "cell1", vcpus=16, memory_mb=16384, disk_gb=100)
    cloud.add_host("c1-a", "cell1", vcpus=2)
    cloud.add_host("c1-b", "cell1", vcpus=3)
    cloud.add_host("c2-a", "cell2", vcpus=8, memory_mb=8192, disk_gb=80)
    cloud.add_host("c2-b", "cell2", vcpus=8, memory_mb=8192, disk_gb=80)
    result = cloud.scheduler(max_attempts=3).select_destinations(ctx(), spec(), uuids(2))
    cell1 = cloud.deployment.cells["cell1"].uuid
    for per in result:
        assert per[0].service_host == "c1-big"
        assert len(per) == 3
        assert {s.cell_uuid for s in per} == {cell1}
        assert all(not s.claimed and s.consumer_uuid is None for s in per[1:])
        assert "c1-big" not in [s.service_host for s in per[1:]]
    for name in ("c1-a", "c1-b", "c2-a", "c2-b"):
        assert cloud.usages(cloud.hosts[name].uuid)["VCPU"] == 0
    # An alternate's allocation request can be claimed as it is.
    alternate = result[0][1]
    request = json.loads(alternate.allocation_request)
    resp = cloud.placement.put(f"/allocations/{uuidlib.uuid4()}", version="1.38", json={
        **request, "project_id": "p1", "user_id": "u1", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    assert resp.status == 204, resp


def test_requested_cell_and_host(cloud):
    cloud.add_host("c1", "cell1", vcpus=16, memory_mb=16384, disk_gb=100)
    cloud.add_host("c2", "cell2")
    cloud.add_host("c2-other", "cell2")
    cell2 = cloud.deployment.cells["cell2"].uuid
    [[sel, *_]] = cloud.scheduler().select_destinations(
        ctx(), spec(requested_destination=Destination(cell_uuid=cell2)), uuids(1))
    assert sel.cell_uuid == cell2
    [[sel, *alts]] = cloud.scheduler().select_destinations(
        ctx(), spec(requested_destination=Destination(host="c2-other")), uuids(1))
    assert sel.service_host == "c2-other" and alts == []


def test_unmapped_hosts_and_unknown_providers_are_not_scheduled(cloud):
    cloud.add_host("unmapped", vcpus=16, memory_mb=16384, disk_gb=100, mapped=False)
    cloud.placement.create_provider("stray", uuid=str(uuidlib.uuid4()))
    cloud.add_host("mapped")
    [[sel, *alts]] = cloud.scheduler().select_destinations(ctx(), spec(), uuids(1))
    assert sel.service_host == "mapped" and alts == []


def test_a_dead_cell_does_not_stop_scheduling(cloud):
    cloud.deployment.add_dead_cell()
    cloud.add_host("h1")
    [[sel]] = cloud.scheduler(cell_timeout=5).select_destinations(
        ctx(), spec(), uuids(1), return_alternates=False)
    assert sel.service_host == "h1"


def test_bare_metal_nodes(cloud):
    gold = {"CUSTOM_BAREMETAL_GOLD": {"total": 1, "max_unit": 1}}
    cloud.placement.put("/resource_classes/CUSTOM_BAREMETAL_GOLD", version="1.39")
    cloud.add_host("ironic", nodes=["node-1", "node-2"], inventory=gold)
    cloud.add_host("vm-host")
    flavor = spec(vcpus=8, memory_mb=32768, root_gb=100, extra_specs={
        "resources:CUSTOM_BAREMETAL_GOLD": "1", "resources:VCPU": "0",
        "resources:MEMORY_MB": "0", "resources:DISK_GB": "0"})
    instances = uuids(2)
    result = cloud.scheduler().select_destinations(ctx(), flavor, instances)
    assert sorted(per[0].nodename for per in result) == ["node-1", "node-2"]
    assert {per[0].service_host for per in result} == {"ironic"}
    for instance, per in zip(instances, result):
        assert cloud.allocations(instance)["allocations"][per[0].compute_node_uuid][
            "resources"] == {"CUSTOM_BAREMETAL_GOLD": 1}
    with pytest.raises(NoValidHost):
        cloud.scheduler().select_destinations(ctx(), flavor, uuids(1))
