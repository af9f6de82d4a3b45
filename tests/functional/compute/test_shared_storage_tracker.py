"""A host of a shared storage pool (``[compute] shared_storage_aggregate``):
its provider has no DISK_GB (removed if it had one, once nothing is
allocated from it) and is a member of the pool's aggregate, next to the
aggregates others gave it."""
from __future__ import annotations

import uuid as uuidlib

import pytest

from nubes.compute.resource_tracker import shared_storage_aggregate
from nubes.common import config

POOL_AGG = "8c0f3b0e-6a3e-4f47-9b1e-1f6e8d2c4a10"
OTHER_AGG = "1b7d2e64-0f3c-4c55-8a0b-5f2f5e9d7c21"


def inventories(placement, uuid) -> dict:
    return placement.get(f"/resource_providers/{uuid}/inventories").json["inventories"]


def aggregates(placement, uuid) -> set[str]:
    return set(placement.get(f"/resource_providers/{uuid}/aggregates").json["aggregates"])


def test_a_pool_host_reports_no_disk_and_joins_the_aggregate(cloud, placement):
    cloud.start_conductor()
    cloud.start_agent("pooled-1", compute={"shared_storage_aggregate": [POOL_AGG]})
    cloud.start_agent("local-1", compute={"shared_storage_aggregate": [
        f"pooled-*={POOL_AGG}"]})
    nodes = cloud.nodes()
    pooled, local = nodes["pooled-1"].uuid, nodes["local-1"].uuid
    assert set(inventories(placement, pooled)) == {"VCPU", "MEMORY_MB"}
    assert aggregates(placement, pooled) == {POOL_AGG}
    # The glob did not name local-1: its disk is its own.
    assert set(inventories(placement, local)) == {"VCPU", "MEMORY_MB", "DISK_GB"}
    assert aggregates(placement, local) == set()
    # The compute node record still says how big the local disk is.
    assert nodes["pooled-1"].local_gb == 500


def test_joining_a_pool_keeps_a_disk_in_use_until_it_is_free(cloud, placement):
    cloud.start_conductor()
    agent = cloud.start_agent("joining-1")
    uuid = cloud.nodes()["joining-1"].uuid
    generation = placement.get(f"/resource_providers/{uuid}").json["generation"]
    assert placement.put(f"/resource_providers/{uuid}/aggregates", json={
        "aggregates": [OTHER_AGG], "resource_provider_generation": generation},
        version="1.19").status == 200
    consumer = str(uuidlib.uuid4())
    assert placement.put(f"/allocations/{consumer}", json={
        "allocations": {uuid: {"resources": {"DISK_GB": 10, "VCPU": 1}}},
        "project_id": "p1", "user_id": "u1", "consumer_generation": None},
        version="1.28").status == 204

    agent.conf.set_override("shared_storage_aggregate", [POOL_AGG], "compute")
    assert agent.update_available_resource().ok
    # Ten GB are allocated here: the DISK_GB inventory stays, as it was.
    assert inventories(placement, uuid)["DISK_GB"]["total"] == 500
    assert aggregates(placement, uuid) == {OTHER_AGG, POOL_AGG}

    assert placement.delete(f"/allocations/{consumer}").status == 204
    assert agent.update_available_resource().ok
    assert set(inventories(placement, uuid)) == {"VCPU", "MEMORY_MB"}
    assert aggregates(placement, uuid) == {OTHER_AGG, POOL_AGG}

    # Out of the pool again: the host's disk is its own once more (the
    # aggregate is the operator's to remove).
    agent.conf.set_override("shared_storage_aggregate", [], "compute")
    assert agent.update_available_resource().ok
    assert inventories(placement, uuid)["DISK_GB"]["total"] == 500


def test_the_option_names_an_aggregate_per_host():
    conf = config.load(overrides={"compute": {"shared_storage_aggregate": [
        POOL_AGG.upper(), f"cell2-*={OTHER_AGG}", f"cell2-compute9 = {POOL_AGG}"]}})
    assert shared_storage_aggregate(conf, "cell1-compute1") == POOL_AGG
    assert shared_storage_aggregate(conf, "cell2-compute1") == OTHER_AGG
    assert shared_storage_aggregate(conf, "cell2-compute9") == POOL_AGG
    assert shared_storage_aggregate(config.load(), "any") is None
    bad = config.load(overrides={"compute": {"shared_storage_aggregate": ["cell1-*=pool"]}})
    with pytest.raises(ValueError, match="not a uuid"):
        shared_storage_aggregate(bad, "cell1-compute1")
