"""The resource tracker keeps each host's provider in placement: the root
provider, its inventories, traits and aggregates."""
from __future__ import annotations

import dataclasses
from unittest import mock

import pytest

from nubes.compute.rpcapi import ComputeAPI
from tests.functional.compute.cloud import wait_for

CAPABILITIES = ["COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_VOLUME_MULTI_ATTACH"]


def inventories(placement, uuid) -> dict:
    resp = placement.get(f"/resource_providers/{uuid}/inventories")
    assert resp.status == 200, resp
    return resp.json["inventories"]


def traits(placement, uuid) -> set[str]:
    resp = placement.get(f"/resource_providers/{uuid}/traits")
    assert resp.status == 200, resp
    return set(resp.json["traits"])


def aggregates(placement, uuid) -> set[str]:
    return set(placement.get(f"/resource_providers/{uuid}/aggregates").json["aggregates"])


def test_host_provider_has_the_drivers_inventory_and_traits(cloud, placement):
    cloud.start_conductor()
    cloud.start_agent("rp-1", fake_driver={"capabilities": CAPABILITIES},
                      DEFAULT={"reserved_host_disk_mb": 1500, "reserved_host_cpus": 1})
    node = cloud.nodes()["rp-1"]
    provider = placement.get(f"/resource_providers/{node.uuid}").json
    assert provider["name"] == "rp-1"
    assert provider["uuid"] == provider["root_provider_uuid"] == node.uuid
    assert inventories(placement, node.uuid) == {
        "VCPU": {"total": 16, "reserved": 1, "min_unit": 1, "max_unit": 16,
                 "step_size": 1, "allocation_ratio": 4.0},
        "MEMORY_MB": {"total": 32768, "reserved": 512, "min_unit": 1, "max_unit": 32768,
                      "step_size": 1, "allocation_ratio": 1.0},
        "DISK_GB": {"total": 500, "reserved": 2, "min_unit": 1, "max_unit": 500,
                    "step_size": 1, "allocation_ratio": 1.0},
    }
    assert traits(placement, node.uuid) == {"COMPUTE_NODE", *CAPABILITIES}


def test_sizes_per_host_and_zero_totals(cloud, placement):
    cloud.start_conductor()
    sizes = {"host_size": ["small-* vcpus=2 memory_mb=1024", "small-2 local_gb=0"]}
    cloud.start_agent("small-1", fake_driver=sizes)
    cloud.start_agent("small-2", fake_driver=sizes)
    cloud.start_agent("big-1", fake_driver=sizes)
    nodes = cloud.nodes()
    assert {rc: inv["total"] for rc, inv in inventories(placement, nodes["small-1"].uuid).items()} \
        == {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 500}
    # A total of 0 is not reported at all.
    assert set(inventories(placement, nodes["small-2"].uuid)) == {"VCPU", "MEMORY_MB"}
    assert inventories(placement, nodes["big-1"].uuid)["VCPU"]["total"] == 16
    assert (nodes["small-2"].vcpus, nodes["small-2"].local_gb) == (2, 0)


def test_allocation_ratios_configured_existing_and_initial(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("ratios", DEFAULT={"initial_cpu_allocation_ratio": 16.0,
                                                 "initial_ram_allocation_ratio": 1.5})
    uuid = cloud.nodes()["ratios"].uuid
    inv = inventories(placement, uuid)
    assert (inv["VCPU"]["allocation_ratio"], inv["MEMORY_MB"]["allocation_ratio"]) == (16.0, 1.5)

    # An operator sets a ratio in placement: with no configured ratio, the
    # host keeps it, even when it rewrites the inventory.
    generation = placement.get(f"/resource_providers/{uuid}").json["generation"]
    body = {"resource_provider_generation": generation,
            "inventories": dict(inv, VCPU=dict(inv["VCPU"], allocation_ratio=8.0))}
    assert placement.put(f"/resource_providers/{uuid}/inventories", json=body).status == 200
    agent.driver.set_size(vcpus=24)
    agent.tracker.conf.set_override("resource_provider_association_refresh", 0, "compute")
    agent.tracker._views.clear()  # as after the refresh interval
    assert agent.update_available_resource().ok
    inv = inventories(placement, uuid)
    assert (inv["VCPU"]["total"], inv["VCPU"]["allocation_ratio"]) == (24, 8.0)
    node = cloud.nodes()["ratios"]
    assert (node.vcpus, node.cpu_allocation_ratio, node.ram_allocation_ratio) == (24, 8.0, 1.5)

    # A configured ratio wins over placement's.
    agent.conf.set_override("cpu_allocation_ratio", 2.0)
    assert agent.update_available_resource().ok
    assert inventories(placement, uuid)["VCPU"]["allocation_ratio"] == 2.0
    assert cloud.nodes()["ratios"].cpu_allocation_ratio == 2.0


def test_disabling_the_service_marks_the_provider(cloud, placement):
    cloud.start_conductor()
    cloud.start_agent("dis-1")
    uuid = cloud.nodes()["dis-1"].uuid
    assert "COMPUTE_STATUS_DISABLED" not in traits(placement, uuid)

    cloud.set_disabled("dis-1", True)  # the record changes; the next report tells the agent
    wait_for(lambda: "COMPUTE_STATUS_DISABLED" in traits(placement, uuid),
             what="COMPUTE_STATUS_DISABLED on the provider")
    assert "COMPUTE_NODE" in traits(placement, uuid)

    cloud.set_disabled("dis-1", False)
    wait_for(lambda: "COMPUTE_STATUS_DISABLED" not in traits(placement, uuid),
             what="COMPUTE_STATUS_DISABLED gone")


def test_set_host_enabled_acts_at_once(cloud, placement):
    cloud.start_conductor()
    cloud.start_agent("dis-2")
    uuid = cloud.nodes()["dis-2"].uuid
    compute = ComputeAPI(cloud.transport("cell1"), timeout=10)
    assert compute.set_host_enabled(None, "dis-2", False) == "disabled"
    assert "COMPUTE_STATUS_DISABLED" in traits(placement, uuid)
    assert compute.set_host_enabled(None, "dis-2", True) == "enabled"
    assert "COMPUTE_STATUS_DISABLED" not in traits(placement, uuid)


def test_a_disabled_service_starts_disabled(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("dis-3")
    agent.stop()
    cloud.set_disabled("dis-3", True)
    cloud.start_agent("dis-3")
    assert "COMPUTE_STATUS_DISABLED" in traits(placement, cloud.nodes()["dis-3"].uuid)


def test_concurrent_provider_update_is_retried(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("race-1")
    uuid = cloud.nodes()["race-1"].uuid

    # Someone else changes the provider after the host last read it (its
    # generation moves on), then the host has an inventory change to write.
    assert placement.put("/traits/CUSTOM_RACK_7").status in (201, 204)
    current = placement.get(f"/resource_providers/{uuid}/traits").json
    body = {"resource_provider_generation": current["resource_provider_generation"],
            "traits": current["traits"] + ["CUSTOM_RACK_7"]}
    assert placement.put(f"/resource_providers/{uuid}/traits", json=body).status == 200
    agent.driver.set_size(memory_mb=65536)

    result = agent.update_available_resource()
    assert result.ok, result.failed
    assert agent.tracker.conflicts_retried == 1
    assert inventories(placement, uuid)["MEMORY_MB"]["total"] == 65536
    assert "CUSTOM_RACK_7" in traits(placement, uuid)  # not ours: kept


def test_conflicts_racing_every_write_give_up_after_the_retries(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("race-2")
    uuid = cloud.nodes()["race-2"].uuid
    real_flush = agent.tracker._flush

    def racing_flush(ctx, view, resources):
        # Just before each write, someone else changes the provider.
        aggs = placement.get(f"/resource_providers/{uuid}/aggregates").json
        placement.put(f"/resource_providers/{uuid}/aggregates", json={
            "aggregates": aggs["aggregates"],
            "resource_provider_generation": aggs["resource_provider_generation"]})
        return real_flush(ctx, view, resources)

    agent.driver.set_size(vcpus=3)
    with mock.patch.object(agent.tracker, "_flush", racing_flush):
        result = agent.update_available_resource()
    assert "placement.concurrent_update" in result.failed["race-2"]
    assert agent.tracker.conflicts_retried == agent.tracker.placement.conflict_retries == 4
    # Once the race is over, the next sync gets through.
    assert agent.update_available_resource().ok
    assert inventories(placement, uuid)["VCPU"]["total"] == 3


def test_only_changes_are_written(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("quiet")
    calls = []
    real_request = agent.tracker.placement.request
    real_sync = agent.conductor.compute_node_sync

    def counting_request(method, path, **kwargs):
        calls.append((method, path))
        return real_request(method, path, **kwargs)

    def counting_sync(ctx, node, **kwargs):
        calls.append(("RPC", "compute_node_sync"))
        return real_sync(ctx, node, **kwargs)

    with mock.patch.object(agent.tracker.placement, "request", counting_request), \
            mock.patch.object(agent.conductor, "compute_node_sync", counting_sync):
        assert agent.update_available_resource().ok
        assert calls == []  # nothing changed: no HTTP, no RPC

        agent.driver.set_size(local_gb=800)
        assert agent.update_available_resource().ok
        uuid = cloud.nodes()["quiet"].uuid
        assert calls == [("RPC", "compute_node_sync"),
                         ("PUT", f"/resource_providers/{uuid}/inventories")]

        calls.clear()
        agent.driver.set_capability("COMPUTE_TRUSTED_CERTS", False)
        assert agent.update_available_resource().ok
        assert calls == [("PUT", f"/resource_providers/{uuid}/traits")]
    assert "COMPUTE_TRUSTED_CERTS" not in traits(placement, uuid)


def test_aggregates_others_set_are_kept_and_the_drivers_are_added(cloud, placement):
    cloud.start_conductor()
    agent = cloud.agent("agg-1")
    driver_agg = "0b8c64c3-7e4b-4dc6-a1a5-6a4d3a6e8c11"
    api_agg = "5a0e1a55-3c3d-4f83-9b1b-2f0d3c2a7e42"
    agent.driver.hooks.add("node_resources", lambda node, res: dataclasses.replace(
        res, aggregates=frozenset({driver_agg})))
    agent.start()
    uuid = cloud.nodes()["agg-1"].uuid
    assert aggregates(placement, uuid) == {driver_agg}

    # The API mirrors a host aggregate into placement.
    current = placement.get(f"/resource_providers/{uuid}/aggregates").json
    placement.put(f"/resource_providers/{uuid}/aggregates", json={
        "aggregates": [driver_agg, api_agg],
        "resource_provider_generation": current["resource_provider_generation"]})
    agent.driver.set_size(vcpus=12)
    assert agent.update_available_resource().ok   # a conflict, a re-read, a retry
    assert aggregates(placement, uuid) == {driver_agg, api_agg}
    assert agent.tracker.provider_view("agg-1").aggregates == {driver_agg, api_agg}


def test_periodic_refresh_sees_changes_by_others(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("refresh", compute={"resource_provider_association_refresh": 0})
    uuid = cloud.nodes()["refresh"].uuid
    assert placement.put("/traits/CUSTOM_SEEN").status in (201, 204)
    current = placement.get(f"/resource_providers/{uuid}/traits").json
    placement.put(f"/resource_providers/{uuid}/traits", json={
        "traits": current["traits"] + ["CUSTOM_SEEN"],
        "resource_provider_generation": current["resource_provider_generation"]})
    # Refresh 0 means "only at start and after conflicts": the view is stale...
    assert "CUSTOM_SEEN" not in agent.tracker.provider_view("refresh").traits
    agent.tracker.conf.set_override("resource_provider_association_refresh", 1, "compute")
    agent.tracker.clock = lambda: 1e12   # ...until the refresh interval has passed
    assert agent.update_available_resource().ok
    assert "CUSTOM_SEEN" in agent.tracker.provider_view("refresh").traits


def test_injected_driver_failure_fails_that_sync_only(cloud, placement):
    cloud.start_conductor()
    agent = cloud.agent("flaky")
    agent.driver.hooks.fail("node_resources", times=1)
    agent.start()
    # The host is registered and serving, but has no node yet.
    assert "flaky" in cloud.services() and cloud.nodes() == {}
    assert agent.update_available_resource().ok
    uuid = cloud.nodes()["flaky"].uuid
    assert placement.get(f"/resource_providers/{uuid}").status == 200


def test_configured_failure_of_init_host(cloud):
    cloud.start_conductor()
    agent = cloud.agent("broken-1", fake_driver={"fail": ["init_host@broken-*"]})
    with pytest.raises(Exception, match="injected failure of init_host"):
        agent.start()
    assert cloud.services() == {}
    cloud.start_agent("fine-1", fake_driver={"fail": ["init_host@broken-*"]})


def test_placement_down_then_back(cloud, placement):
    cloud.start_conductor()
    agent = cloud.agent("offline")
    real = agent.tracker.placement.endpoint
    agent.tracker.placement.endpoint = "http://127.0.0.1:1"
    agent.start()   # starts anyway: the periodic sync will catch up
    assert "offline" in cloud.nodes()
    agent.tracker.placement.endpoint = real
    assert agent.update_available_resource().ok
    assert placement.get(f"/resource_providers/{cloud.nodes()['offline'].uuid}").status == 200
