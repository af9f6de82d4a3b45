"""The resource tracker's decisions, against in-memory placement and conductor."""
from __future__ import annotations

import dataclasses

import pytest

from nubes.common import config
from nubes.common.context import RequestContext
from nubes.compute.resource_tracker import ProviderNameConflict, ResourceTracker
from nubes.placement.client import Inventory
from nubes.compute.virt.fake import FakeDriver
from nubes.placement.client import PlacementConflict
from tests.unit.compute.fakes import FakeConductor, FakePlacement

CTX = RequestContext.admin()


def make(host="h1", clock=lambda: 0.0, **groups):
    values = {"fake_driver": {"capabilities": ["COMPUTE_VOLUME_EXTEND"]}}
    for group, opts in groups.items():
        values.setdefault(group, {}).update(opts)
    conf = config.load(overrides=values)
    driver = FakeDriver(conf, host)
    tracker = ResourceTracker(conf, host, driver, FakeConductor(), FakePlacement(),
                              clock=clock)
    tracker.service_id = 7
    return tracker


def sync(tracker):
    result = tracker.update_available_resource(CTX)
    assert result.ok, result.failed
    return result


def rp(tracker, node="h1"):
    return tracker.placement.rps[tracker.nodes[node].uuid]


def test_new_host_gets_initial_ratios_and_reserved():
    tracker = make(DEFAULT={"reserved_host_disk_mb": 1025, "reserved_host_cpus": 2})
    sync(tracker)
    inv = rp(tracker).inventories
    assert {rc: (i.total, i.reserved, i.max_unit, i.allocation_ratio)
            for rc, i in inv.items()} == {
        "VCPU": (16, 2, 16, 4.0), "MEMORY_MB": (32768, 512, 32768, 1.0),
        "DISK_GB": (500, 2, 500, 1.0)}
    record = tracker.nodes["h1"]
    assert (record.cpu_allocation_ratio, record.ram_allocation_ratio,
            record.disk_allocation_ratio, record.service_id) == (4.0, 1.0, 1.0, 7)
    assert rp(tracker).name == "h1"
    assert len(tracker.conductor.reports) == 1  # the guessed ratios were right


def test_reserved_never_exceeds_the_total():
    tracker = make(fake_driver={"memory_mb": 256})
    sync(tracker)
    assert rp(tracker).inventories["MEMORY_MB"].reserved == 256


def test_existing_ratio_is_kept_unless_configured():
    tracker = make(compute={"resource_provider_association_refresh": 1})
    sync(tracker)
    uuid = tracker.nodes["h1"].uuid
    inv = dict(rp(tracker).inventories)
    inv["VCPU"] = dataclasses.replace(inv["VCPU"], allocation_ratio=10.0)
    tracker.placement.operator_changes(uuid, inventories=inv)
    tracker.clock = lambda: 100.0   # the view is due for a refresh
    sync(tracker)
    assert rp(tracker).inventories["VCPU"].allocation_ratio == 10.0
    assert tracker.nodes["h1"].cpu_allocation_ratio == 10.0

    tracker.conf.set_override("cpu_allocation_ratio", 3.0)
    sync(tracker)
    assert rp(tracker).inventories["VCPU"].allocation_ratio == 3.0
    assert tracker.nodes["h1"].cpu_allocation_ratio == 3.0


def test_nothing_changed_means_no_calls():
    tracker = make()
    sync(tracker)
    tracker.placement.calls.clear()
    reports = len(tracker.conductor.reports)
    sync(tracker)
    assert tracker.placement.calls == []
    assert len(tracker.conductor.reports) == reports


def test_refresh_rereads_after_the_interval():
    now = [0.0]
    tracker = make(clock=lambda: now[0], compute={"resource_provider_association_refresh": 300})
    sync(tracker)
    tracker.placement.calls.clear()
    now[0] = 299.0
    sync(tracker)
    assert tracker.placement.calls == []
    now[0] = 301.0
    sync(tracker)
    assert [name for name, _ in tracker.placement.calls] == [
        "get_provider", "get_inventories", "get_traits", "get_aggregates"]


def test_traits_of_others_are_kept_and_capabilities_follow_the_driver():
    tracker = make()
    sync(tracker)
    uuid = tracker.nodes["h1"].uuid
    assert rp(tracker).traits == {"COMPUTE_NODE", "COMPUTE_VOLUME_EXTEND"}
    tracker.placement.operator_changes(uuid, traits=rp(tracker).traits | {"CUSTOM_GOLD",
                                                                          "HW_CPU_X86_AVX"})
    tracker.driver.set_capability("COMPUTE_VOLUME_EXTEND", False)
    tracker.driver.set_capability("COMPUTE_TRUSTED_CERTS", True)
    sync(tracker)   # conflict (stale view), re-read, retry
    assert rp(tracker).traits == {"COMPUTE_NODE", "COMPUTE_TRUSTED_CERTS", "CUSTOM_GOLD",
                                  "HW_CPU_X86_AVX"}
    assert tracker.conflicts_retried == 1


def test_disabled_flag_drives_the_status_trait():
    tracker = make()
    tracker.disabled = True
    sync(tracker)
    assert "COMPUTE_STATUS_DISABLED" in rp(tracker).traits
    tracker.disabled = False
    sync(tracker)
    assert "COMPUTE_STATUS_DISABLED" not in rp(tracker).traits


def test_node_traits_and_custom_inventory_are_created_and_withdrawn():
    tracker = make()
    hook = tracker.driver.hooks.add("node_resources", lambda node, res: dataclasses.replace(
        res, standard_inventory=False, traits=frozenset({"CUSTOM_RAID"}),
        extra_inventory={"CUSTOM_GOLD": Inventory(total=1)}))
    sync(tracker)
    assert set(rp(tracker).inventories) == {"CUSTOM_GOLD"}
    assert "CUSTOM_RAID" in rp(tracker).traits
    assert ("ensure_resource_class", "CUSTOM_GOLD") in tracker.placement.calls
    assert ("ensure_trait", "CUSTOM_RAID") in tracker.placement.calls
    tracker.driver.hooks.remove("node_resources", hook)
    sync(tracker)
    assert set(rp(tracker).inventories) == {"VCPU", "MEMORY_MB", "DISK_GB"}
    assert "CUSTOM_RAID" not in rp(tracker).traits   # ours before, withdrawn now


def test_concurrent_update_retries_are_bounded():
    tracker = make()
    sync(tracker)
    tracker.driver.set_size(vcpus=2)
    tracker.placement.race_writes = 100
    result = tracker.update_available_resource(CTX)
    assert "concurrent_update" in result.failed["h1"]
    assert tracker.conflicts_retried == 4
    tracker.placement.race_writes = 0
    sync(tracker)
    assert rp(tracker).inventories["VCPU"].total == 2


def test_other_conflicts_are_not_retried():
    tracker = make()
    sync(tracker)
    tracker.driver.set_size(vcpus=2)

    def refuse(*args, **kwargs):
        raise PlacementConflict("409 (placement.inventory.inuse): in use", status=409,
                                code="placement.inventory.inuse")

    tracker.placement.set_inventories = refuse
    result = tracker.update_available_resource(CTX)
    assert "inventory.inuse" in result.failed["h1"]
    assert tracker.conflicts_retried == 0


def test_a_provider_name_taken_by_another_uuid_is_reported():
    tracker = make()
    tracker.placement.create_provider("h1", uuid="0f0e0d0c-0000-4000-8000-000000000001")
    result = tracker.update_available_resource(CTX)
    assert "ProviderNameConflict" in result.failed["h1"]
    with pytest.raises(ProviderNameConflict):
        tracker._update_node(CTX, "h1")


def test_a_failing_node_does_not_stop_the_others():
    tracker = make()
    tracker.driver.hooks.fail("node_resources", times=1)
    result = tracker.update_available_resource(CTX)
    assert "injected failure" in result.failed["h1"]
    sync(tracker)


def test_vanished_nodes_are_forgotten():
    tracker = make()
    sync(tracker)
    tracker.driver.node_names = lambda: []
    assert tracker.update_available_resource(CTX).synced == []
    assert tracker.nodes == {} and tracker.provider_view("h1") is None


def test_needs_a_service_first():
    tracker = make()
    tracker.service_id = None
    with pytest.raises(RuntimeError):
        tracker.update_available_resource(CTX)
