"""Zones, disabled and down hosts, server groups, image properties."""
from __future__ import annotations

import uuid as uuidlib

import pytest

from nubes.common.context import RequestContext
from nubes.scheduler.messages import NoValidHost, ServerGroup
from tests.functional.scheduler.helpers import spec, uuids


def schedule(cloud, s, n=1, **opts):
    result = cloud.scheduler(**opts).select_destinations(RequestContext.admin(), s, uuids(n))
    return [[sel.service_host for sel in per] for per in result]


def test_availability_zone(cloud):
    cloud.add_host("big", vcpus=16, memory_mb=16384, disk_gb=100)
    cloud.add_host("z1-a")
    cloud.add_host("z1-b", vcpus=2)
    cloud.add_host("z2-a")
    cloud.add_zone("az1", ["z1-a", "z1-b"])
    cloud.add_zone("az2", ["z2-a"])
    assert schedule(cloud, spec(availability_zone="az1")) == [["z1-a", "z1-b"]]
    assert schedule(cloud, spec(availability_zone="az2")) == [["z2-a"]]
    # The default zone: hosts in no zoned aggregate.
    assert schedule(cloud, spec(availability_zone="nova")) == [["big"]]
    with pytest.raises(NoValidHost, match="az9"):
        schedule(cloud, spec(availability_zone="az9"))


def test_availability_zone_filter_alone(cloud):
    """With the prefilter off, the host filter still keeps the zone."""
    cloud.add_host("big", vcpus=16, memory_mb=16384, disk_gb=100)
    cloud.add_host("z1")
    cloud.add_zone("az1", ["z1"])
    assert schedule(cloud, spec(availability_zone="az1"),
                    enabled_prefilters=["disabled_compute"]) == [["z1"]]


def test_disabled_and_down_hosts(cloud):
    cloud.add_host("disabled-trait", vcpus=16, memory_mb=16384, disk_gb=100,
                   disabled=True, traits=("COMPUTE_STATUS_DISABLED",))
    cloud.add_host("disabled-row", vcpus=15, memory_mb=15000, disk_gb=90, disabled=True)
    cloud.add_host("down", vcpus=14, memory_mb=14000, disk_gb=80, seen_ago=3600)
    cloud.add_host("forced-down", vcpus=13, memory_mb=13000, disk_gb=70, forced_down=True)
    cloud.add_host("ok")
    assert schedule(cloud, spec()) == [["ok"]]


def test_disabled_trait_is_kept_out_of_placements_answer(cloud):
    cloud.add_host("disabled", traits=("COMPUTE_STATUS_DISABLED",))
    with pytest.raises(NoValidHost, match="no allocation candidates"):
        schedule(cloud, spec())


def test_anti_affinity(cloud):
    for name in ("a", "b", "c"):
        cloud.add_host(name)
    group = ServerGroup(str(uuidlib.uuid4()), "anti-affinity", hosts=["a"])
    result = schedule(cloud, spec(server_group=group), n=2)
    chosen = sorted(per[0] for per in result)
    assert chosen == ["b", "c"]
    assert all(per[1:] == [] for per in result)
    with pytest.raises(NoValidHost):
        schedule(cloud, spec(server_group=group), n=3)


def test_affinity(cloud):
    cloud.add_host("a", vcpus=8, memory_mb=8192, disk_gb=80)
    cloud.add_host("b")
    group = ServerGroup(str(uuidlib.uuid4()), "affinity")
    assert [per[0] for per in schedule(cloud, spec(server_group=group), n=3)] == ["a"] * 3
    group.hosts = ["b"]
    assert schedule(cloud, spec(server_group=group)) == [["b"]]
    # Affinity that does not fit fails rather than going elsewhere.
    with pytest.raises(NoValidHost):
        schedule(cloud, spec(server_group=group), n=4)


def test_image_properties(cloud):
    cloud.add_host("fake", vcpus=16, memory_mb=16384, disk_gb=100)
    cloud.deployment.add_service("cell1", "qemu-host")
    node = cloud.deployment.add_compute_node("cell1", "qemu-host", hypervisor_type="QEMU",
                                             hypervisor_version=6002000)
    cloud.placement.create_provider("qemu-host", uuid=node)
    cloud.placement.set_inventory(node, {"VCPU": 4, "MEMORY_MB": 4096, "DISK_GB": 40})
    cloud.deployment.map_host("cell1", "qemu-host")
    assert schedule(cloud, spec(image_properties={"img_hv_type": "qemu"})) == [["qemu-host"]]
    assert schedule(cloud, spec(image_properties={
        "img_hv_requested_version": ">=6.0"})) == [["qemu-host"]]
    # Both report x86_64 (the fixture's cpu_info).
    with pytest.raises(NoValidHost):
        schedule(cloud, spec(image_properties={"hw_architecture": "aarch64"}))
