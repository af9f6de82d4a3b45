"""20 resizes at once into a host with room for 10: exactly 10 reach
VERIFY_RESIZE there, the other 10 stay ACTIVE on their source with their
allocation, and placement counts every server once per host it uses."""
from __future__ import annotations

import concurrent.futures
import time

import pytest

from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud

pytestmark = pytest.mark.slow
SOURCE, DEST = "cell1-compute1", "cell1-compute2"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("resize-race") / "state"),
                         cells=1, hosts_per_cell=2, overrides={
                             "DEFAULT": {"cpu_allocation_ratio": 1.0,
                                         "ram_allocation_ratio": 1.0,
                                         "disk_allocation_ratio": 1.0,
                                         "reserved_host_memory_mb": 0},
                             # m1.small is 1 VCPU, 2048 MB, 20 GB: ten fit DEST.
                             "fake_driver": {"host_size": [
                                 f"{SOURCE} vcpus=32 memory_mb=65536 local_gb=1000",
                                 f"{DEST} vcpus=32 memory_mb=20480 local_gb=1000"]}})
    yield cloud
    cloud.stop()


def _service(cloud, host):
    return next(s for s in cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
                if s["host"] == host)


def test_twenty_resizes_into_room_for_ten(cloud):
    assert cloud.admin.put(f"/os-quota-sets/{DEMO_PROJECT}", {"quota_set": {
        "instances": 40, "cores": 100, "ram": 200000}})[0] == 200
    dest = _service(cloud, DEST)
    cloud.admin.put(f"/os-services/{dest['id']}", {"status": "disabled"}, version="2.53")
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "race", "imageRef": cloud.image_id(), "flavorRef": "1",
        "networks": "none", "min_count": 20, "max_count": 20,
        "return_reservation_id": True}})
    assert code == 202, body
    reservation = body["reservation_id"]
    deadline = time.monotonic() + 60
    while True:
        servers = cloud.admin.get(f"/servers/detail?all_tenants=1&reservation_id={reservation}")[1][
            "servers"]
        if len(servers) == 20 and all(s["status"] == "ACTIVE" for s in servers):
            break
        assert time.monotonic() < deadline, [s["status"] for s in servers]
        time.sleep(0.1)
    assert {s["OS-EXT-SRV-ATTR:host"] for s in servers} == {SOURCE}
    cloud.admin.put(f"/os-services/{dest['id']}", {"status": "enabled"}, version="2.53")
    ids = [s["id"] for s in servers]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda sid: cloud.demo.post(
            f"/servers/{sid}/action", {"resize": {"flavorRef": "2"}})[0], ids))
    assert codes == [202] * 20

    deadline = time.monotonic() + 60
    while True:
        shown = [cloud.admin.get(f"/servers/{sid}")[1]["server"] for sid in ids]
        if all(s["OS-EXT-STS:task_state"] is None for s in shown):
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    moved = [s for s in shown if s["status"] == "VERIFY_RESIZE"]
    stayed = [s for s in shown if s["status"] == "ACTIVE"]
    assert len(moved) == 10 and len(stayed) == 10, [s["status"] for s in shown]
    assert {s["OS-EXT-SRV-ATTR:host"] for s in moved} == {DEST}
    assert {s["OS-EXT-SRV-ATTR:host"] for s in stayed} == {SOURCE}
    usages = cloud.provider_usages()
    assert usages[DEST] == {"VCPU": 10, "MEMORY_MB": 20480, "DISK_GB": 200}
    # The source still holds all twenty: ten for the servers, ten for the moves.
    assert usages[SOURCE] == {"VCPU": 20, "MEMORY_MB": 20 * 512, "DISK_GB": 20}
    for server in stayed:
        assert sum(r["VCPU"] for r in cloud.allocations(server["id"]).values()) == 1

    for sid in ids:
        cloud.demo.delete(f"/servers/{sid}")
    for sid in ids:
        cloud.wait_gone(cloud.demo, sid, timeout=60)
    cloud.wait_no_usage()
