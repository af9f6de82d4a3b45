"""`nubes up --shared-storage`: a shared storage pool per cell (provider
``<cell>-shared-disk`` of DISK_GB, trait MISC_SHARES_VIA_AGGREGATE, an
aggregate with the cell's hosts), said so at start-up; servers take their
disk from their cell's pool."""
from __future__ import annotations

import time

import pytest
import requests

from nubes.common import tokens
from nubes.embedded.cloud import EmbeddedCloud, Options
from nubes.placement.client import PlacementClient
from tests.fixtures.cloud import Api, free_ports, server_body
from tests.functional.embedded.up_process import UpProcess

pytestmark = pytest.mark.slow


def _up(state_dir: str, said: list[str]) -> EmbeddedCloud:
    cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=2, hosts_per_cell=2,
                                  ports=free_ports(), shared_storage=True,
                                  overrides={"fake_driver": {"host_size": [
                                      "cell2-compute2 local_gb=100"]}}),
                          say=said.append)
    cloud.start()
    return cloud


def _by_name(placement: PlacementClient) -> dict[str, str]:
    resp = placement.request("GET", "/resource_providers", version="1.14")
    return {p["name"]: p["uuid"] for p in resp.json()["resource_providers"]}


def test_a_pool_per_cell_and_a_boot_takes_its_disk(tmp_path):
    state_dir, said = str(tmp_path / "state"), []
    cloud = _up(state_dir, said)
    try:
        placement = PlacementClient.from_conf(cloud.conf)
        names = _by_name(placement)
        pools = {}
        for cell, disk in (("cell1", 1000), ("cell2", 600)):
            pool = names[f"{cell}-shared-disk"]
            inventory = placement.get_inventories(pool).inventories
            assert (set(inventory), inventory["DISK_GB"].total) == ({"DISK_GB"}, disk)
            assert placement.get_traits(pool).traits == {"MISC_SHARES_VIA_AGGREGATE"}
            (aggregate,) = placement.get_aggregates(pool).aggregates
            for host in (f"{cell}-compute1", f"{cell}-compute2"):
                assert placement.get_aggregates(names[host]).aggregates == {aggregate}
                assert "DISK_GB" not in placement.get_inventories(names[host]).inventories
            assert any(line.startswith(f"nubes: shared storage: {cell}'s hosts take their "
                                       f"disks from {cell}-shared-disk ({disk} GB")
                       and aggregate in line for line in said), said
            pools[cell] = (pool, aggregate)
        assert pools["cell1"][1] != pools["cell2"][1]

        # A boot: VCPU and MEMORY_MB from a host, DISK_GB from its cell's pool.
        token, _ = tokens.codec_from_conf(cloud.conf).issue(
            user_id="u1", user_name="admin", project_id="p1", project_name="admin",
            roles=("admin", "member", "reader"), ttl=3600)
        api = Api(cloud.urls["compute"] + "/v2.1", token)
        image = next(i for i in _images(cloud, token) if i["name"] == "cirros")["id"]
        code, body = api.post("/servers", server_body(image, flavorRef="2"))
        assert code == 202, body
        sid = body["server"]["id"]
        shown = _wait_active(api, sid)
        cell = shown["OS-EXT-SRV-ATTR:host"].split("-")[0]
        allocations = placement.get_allocations(sid).allocations
        assert allocations == {names[shown["OS-EXT-SRV-ATTR:host"]]: {"VCPU": 1,
                                                                        "MEMORY_MB": 2048},
                               pools[cell][0]: {"DISK_GB": 20}}
        placement.close()
    finally:
        cloud.stop()

    # A second start finds the same pools (and sizes them again).
    said.clear()
    cloud = _up(state_dir, said)
    try:
        placement = PlacementClient.from_conf(cloud.conf)
        names = _by_name(placement)
        assert sorted(n for n in names if n.endswith("shared-disk")) == [
            "cell1-shared-disk", "cell2-shared-disk"]
        assert {names["cell1-shared-disk"], names["cell2-shared-disk"]} == {
            p for p, _ in pools.values()}
        assert placement.get_usages(names[f"{cell}-shared-disk"]) == {"DISK_GB": 20}
        placement.close()
    finally:
        cloud.stop()


def _images(cloud, token) -> list[dict]:
    resp = requests.get(cloud.urls["image"] + "/v2/images",
                        headers={"X-Auth-Token": token}, timeout=30)
    return resp.json()["images"]


def _wait_active(api: Api, sid: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        shown = api.get(f"/servers/{sid}")[1]["server"]
        if shown["status"] == "ACTIVE":
            return shown
        assert shown["status"] != "ERROR" and time.monotonic() < deadline, shown
        time.sleep(0.05)


def test_nubes_up_shared_storage_says_so(tmp_path):
    up = UpProcess(str(tmp_path / "s"), "--cells", "1", "--hosts-per-cell", "2",
                   "--shared-storage")
    try:
        up.until("ready")
        code, _took = up.interrupt()
    finally:
        up.reap()
    assert code == 0, up.output
    pool = [line for line in up.seen if line.startswith("nubes: shared storage: ")]
    assert len(pool) == 1 and "cell1-shared-disk (1000 GB DISK_GB" in pool[0], up.seen
