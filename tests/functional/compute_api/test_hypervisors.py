"""os-hypervisors across cells: list, detail, show, paging, servers, the
pre-2.88 capacity figures from placement, and the pre-2.53 routes."""
from __future__ import annotations

import uuid as uuidlib

import pytest

UNKNOWN_UUID = "99999999-9999-4999-8999-999999999999"
CAPACITY = {"vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used",
            "free_ram_mb", "free_disk_gb", "current_workload", "running_vms",
            "disk_available_least", "cpu_info"}


@pytest.fixture
def hosts(cloud):
    d = cloud.deployment
    found = {
        "h1": d.add_compute_host("cell1", "h1", nodes=["h1-a", "h1-b"]),
        "h2": d.add_compute_host("cell2", "h2", disabled=True, disabled_reason="maint",
                                 seen_ago=3600),
    }
    # A node whose service was deleted is not a hypervisor.
    d.add_compute_node("cell2", "gone")
    return found


def _allocate(cloud, rp: str, **resources) -> None:
    resp = cloud.placement.put(f"/allocations/{uuidlib.uuid4()}", version="1.28", json={
        "allocations": {rp: {"resources": resources}}, "project_id": "p1", "user_id": "u1",
        "consumer_generation": None})
    assert resp.status == 204, resp


def test_list_spans_cells(cloud, hosts):
    resp = cloud.api.get("/os-hypervisors")
    assert resp.status == 200, resp
    listed = resp.json["hypervisors"]
    a, b = hosts["h1"]["nodes"]
    assert listed == [
        {"id": a, "hypervisor_hostname": "h1-a", "state": "up", "status": "enabled"},
        {"id": b, "hypervisor_hostname": "h1-b", "state": "up", "status": "enabled"},
        {"id": hosts["h2"]["nodes"][0], "hypervisor_hostname": "h2", "state": "down",
         "status": "disabled"},
    ]
    old = cloud.api.get("/os-hypervisors", version="2.52").json["hypervisors"]
    assert all(isinstance(h["id"], int) for h in old)


def test_detail_at_newest_version_has_no_capacity(cloud, hosts):
    resp = cloud.api.get("/os-hypervisors/detail")
    assert resp.status == 200, resp
    h2 = resp.json["hypervisors"][2]
    assert h2["service"] == {"host": "h2", "id": hosts["h2"]["uuid"],
                             "disabled_reason": "maint"}
    assert (h2["hypervisor_type"], h2["hypervisor_version"], h2["host_ip"]) == \
        ("fake", 1000, "192.0.2.10")
    assert not CAPACITY & set(h2)
    assert "uptime" not in h2


def test_capacity_from_placement_before_2_88(cloud, hosts):
    node = hosts["h1"]["nodes"][0]
    cloud.placement.create_provider("h1-a", uuid=node)
    cloud.placement.set_inventory(node, {"VCPU": 16, "MEMORY_MB": {"total": 32768,
                                                                   "reserved": 512},
                                         "DISK_GB": 200})
    _allocate(cloud, node, VCPU=2, MEMORY_MB=2048, DISK_GB=20)
    cloud.deployment.add_instance("cell1", "h1", "h1-a")
    cloud.deployment.add_instance("cell1", "h1", "h1-a", deleted=True)
    resp = cloud.api.get(f"/os-hypervisors/{node}", version="2.87")
    assert resp.status == 200, resp
    hv = resp.json["hypervisor"]
    assert (hv["vcpus"], hv["vcpus_used"]) == (16, 2)
    assert (hv["memory_mb"], hv["memory_mb_used"], hv["free_ram_mb"]) == (32768, 2560, 30208)
    assert (hv["local_gb"], hv["local_gb_used"], hv["free_disk_gb"]) == (200, 20, 180)
    assert hv["running_vms"] == 1
    assert hv["cpu_info"] == {"arch": "x86_64", "model": "fake"}
    assert "uptime" not in hv
    # A node placement does not know yet: the cell database's figures.
    other = cloud.api.get(f"/os-hypervisors/{hosts['h1']['nodes'][1]}", version="2.87")
    assert (other.json["hypervisor"]["vcpus"], other.json["hypervisor"]["memory_mb"]) == \
        (8, 16384)
    detail = cloud.api.get("/os-hypervisors/detail", version="2.87").json["hypervisors"]
    assert [h["vcpus"] for h in detail] == [16, 8, 8]


def test_cpu_info_is_a_string_before_2_28(cloud, hosts):
    hv = cloud.api.get("/os-hypervisors/detail", version="2.27").json["hypervisors"][0]
    assert hv["cpu_info"] == '{"arch": "x86_64", "model": "fake"}'
    assert isinstance(hv["id"], int) and isinstance(hv["service"]["id"], int)


def test_show(cloud, hosts):
    node = hosts["h2"]["nodes"][0]
    resp = cloud.api.get(f"/os-hypervisors/{node}")
    assert resp.status == 200, resp
    hv = resp.json["hypervisor"]
    assert (hv["id"], hv["hypervisor_hostname"], hv["state"]) == (node, "h2", "down")
    assert hv["uptime"] is None
    assert not CAPACITY & set(hv)
    assert cloud.api.get("/os-hypervisors/nope").status == 400
    missing = cloud.api.get(f"/os-hypervisors/{UNKNOWN_UUID}")
    assert missing.status == 404 and missing.fault[0] == "itemNotFound"
    assert cloud.api.get("/os-hypervisors/abc", version="2.52").status == 404


def test_show_by_integer_id_before_2_53(cloud, hosts):
    d = cloud.deployment
    d.add_compute_node("cell1", "h1", "h1-c", id=7001)
    d.add_compute_node("cell1", "h1", "h1-d", id=7002)
    d.add_compute_node("cell2", "h2", "h2-d", id=7002)
    resp = cloud.api.get("/os-hypervisors/7001", version="2.52")
    assert resp.status == 200, resp
    assert resp.json["hypervisor"]["id"] == 7001
    assert resp.json["hypervisor"]["hypervisor_hostname"] == "h1-c"
    ambiguous = cloud.api.get("/os-hypervisors/7002", version="2.52")
    assert ambiguous.status == 400 and "2.53" in ambiguous.message
    assert cloud.api.get("/os-hypervisors/7003", version="2.52").status == 404


def test_with_servers(cloud, hosts):
    first = cloud.deployment.add_instance("cell1", "h1", "h1-a")
    second = cloud.deployment.add_instance("cell1", "h1", "h1-a")
    cloud.deployment.add_instance("cell1", "h1", "h1-a", deleted=True)
    listed = cloud.api.get("/os-hypervisors", params={"with_servers": "true"}).json
    servers = listed["hypervisors"][0]["servers"]
    assert [s["uuid"] for s in servers] == [first, second]
    assert all(s["name"].startswith("instance-") and len(s["name"]) == 17 for s in servers)
    assert listed["hypervisors"][1]["servers"] == []           # always from 2.75
    before = cloud.api.get("/os-hypervisors", version="2.74",
                           params={"with_servers": "1"}).json["hypervisors"]
    assert "servers" in before[0] and "servers" not in before[1]
    assert "servers" not in cloud.api.get("/os-hypervisors").json["hypervisors"][0]
    show = cloud.api.get(f"/os-hypervisors/{hosts['h1']['nodes'][0]}",
                         params={"with_servers": "yes"}).json["hypervisor"]
    assert len(show["servers"]) == 2
    assert cloud.api.get("/os-hypervisors", params={"with_servers": "perhaps"}).status == 400


def test_hostname_pattern(cloud, hosts):
    found = cloud.api.get("/os-hypervisors", params={"hypervisor_hostname_pattern": "h1-"})
    assert [h["hypervisor_hostname"] for h in found.json["hypervisors"]] == ["h1-a", "h1-b"]
    # Literal: '_' and '%' are not wildcards.
    assert cloud.api.get("/os-hypervisors",
                         params={"hypervisor_hostname_pattern": "h_"}).status == 404
    none = cloud.api.get("/os-hypervisors/detail",
                         params={"hypervisor_hostname_pattern": "zzz"})
    assert none.status == 404 and "zzz" in none.message
    paged = cloud.api.get("/os-hypervisors",
                          params={"hypervisor_hostname_pattern": "h", "limit": "1"})
    assert paged.status == 400 and "not supported" in paged.message


def test_paging(cloud, hosts):
    nodes = hosts["h1"]["nodes"] + hosts["h2"]["nodes"]
    page = cloud.api.get("/os-hypervisors", params={"limit": "2"}).json
    assert [h["id"] for h in page["hypervisors"]] == nodes[:2]
    link = page["hypervisors_links"][0]
    assert link["rel"] == "next"
    assert link["href"] == f"{cloud.url}/v2.1/os-hypervisors?limit=2&marker={nodes[1]}"
    rest = cloud.api.get("/os-hypervisors", params={"limit": "2", "marker": nodes[1]}).json
    assert [h["id"] for h in rest["hypervisors"]] == nodes[2:]
    assert "hypervisors_links" not in rest
    detail = cloud.api.get("/admin/os-hypervisors/detail", params={"limit": "1"}).json
    assert detail["hypervisors_links"][0]["href"].startswith(
        f"{cloud.url}/v2.1/admin/os-hypervisors/detail?limit=1&marker=")
    ids = [h["id"] for h in cloud.api.get("/os-hypervisors", version="2.52").json["hypervisors"]]
    old = cloud.api.get("/os-hypervisors", version="2.33",
                        params={"limit": "1", "marker": str(ids[0])}).json
    assert [h["id"] for h in old["hypervisors"]] == [ids[1]]
    # Before 2.33 there is no paging: limit is ignored.
    assert len(cloud.api.get("/os-hypervisors", version="2.32",
                             params={"limit": "1"}).json["hypervisors"]) == 3


@pytest.mark.parametrize("params, version", [
    ({"limit": "-1"}, "2.96"),
    ({"limit": "two"}, "2.96"),
    ({"marker": "not-a-uuid"}, "2.96"),
    ({"marker": UNKNOWN_UUID}, "2.96"),
    ({"marker": "abc"}, "2.33"),
    ({"marker": "4242"}, "2.33"),
])
def test_bad_paging_is_400(cloud, hosts, params, version):
    resp = cloud.api.get("/os-hypervisors", params=params, version=version)
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"


def test_statistics_before_2_88(cloud, hosts):
    resp = cloud.api.get("/os-hypervisors/statistics", version="2.87")
    assert resp.status == 200, resp
    stats = resp.json["hypervisor_statistics"]
    assert stats["count"] == 3
    assert (stats["vcpus"], stats["memory_mb"], stats["local_gb"]) == (24, 3 * 16384, 300)
    assert stats["running_vms"] == 0
    assert cloud.api.get("/os-hypervisors/statistics").status == 404


def test_uptime_route(cloud, hosts):
    cloud.deployment.add_compute_node("cell1", "h1", "h1-c", id=7001)
    resp = cloud.api.get("/os-hypervisors/7001/uptime", version="2.52")
    assert resp.status == 501 and resp.fault[0] == "notImplemented"
    assert cloud.api.get(f"/os-hypervisors/{hosts['h2']['nodes'][0]}/uptime").status == 404


def test_search_and_servers_before_2_53(cloud, hosts):
    cloud.deployment.add_instance("cell1", "h1", "h1-b")
    found = cloud.api.get("/os-hypervisors/h1/search", version="2.52")
    assert found.status == 200, found
    assert [h["hypervisor_hostname"] for h in found.json["hypervisors"]] == ["h1-a", "h1-b"]
    assert "servers" not in found.json["hypervisors"][0]
    servers = cloud.api.get("/os-hypervisors/h1/servers", version="2.52").json["hypervisors"]
    assert "servers" not in servers[0] and len(servers[1]["servers"]) == 1
    assert cloud.api.get("/os-hypervisors/none/search", version="2.52").status == 404
    assert cloud.api.get("/os-hypervisors/h1/search", version="2.53").status == 404
    assert cloud.api.get("/os-hypervisors/h1/servers", version="2.53").status == 404


def test_a_down_cell_is_skipped(cloud, hosts):
    cloud.deployment.add_dead_cell()
    cloud.refresh_cells()
    resp = cloud.api.get("/os-hypervisors/detail")
    assert resp.status == 200, resp
    assert len(resp.json["hypervisors"]) == 3


def test_non_admins_are_refused(cloud, hosts):
    user = cloud.api.as_user()
    for path in ("/os-hypervisors", "/os-hypervisors/detail",
                 f"/os-hypervisors/{hosts['h2']['nodes'][0]}"):
        resp = user.get(path)
        assert resp.status == 403, (path, resp)
