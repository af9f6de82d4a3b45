"""/os-hosts (2.1-2.42) through real HTTP on a two-cell embedded cloud,
plus ``openstack host list/show``."""
from __future__ import annotations


import pytest

from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
V = "2.42"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("hosts") / "state"),
                         cells=2, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def server_host(cloud):
    """A demo server's host."""
    code, body = cloud.demo.post("/servers", server_body(cloud.image_id()))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    yield cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)


def _hosts(cloud, query=""):
    code, body = cloud.admin.get("/os-hosts" + query, version=V)
    assert code == 200, body
    return sorted((h["host_name"], h["service"], h["zone"]) for h in body["hosts"])


def test_list_and_zone_filter(cloud):
    listed = _hosts(cloud)
    computes = [h for h in listed if h[1] == "compute"]
    assert [h[0] for h in computes] == ["cell1-compute1", "cell2-compute1"]
    assert all(zone == "nova" for _, _, zone in computes)
    others = [h for h in listed if h[1] != "compute"]
    assert others and all(zone == "internal" for _, _, zone in others)
    assert _hosts(cloud, "?zone=nova") == computes
    assert _hosts(cloud, "?zone=internal") == others
    assert _hosts(cloud, "?zone=elsewhere") == []


def test_show_resources(cloud, server_host):
    code, body = cloud.admin.get(f"/os-hosts/{server_host}", version=V)
    assert code == 200, body
    resources = [r["resource"] for r in body["host"]]
    assert [r["project"] for r in resources] == ["(total)", "(used_now)", "(used_max)",
                                                 DEMO_PROJECT]
    assert all(r["host"] == server_host for r in resources)
    total = resources[0]
    assert total["cpu"] > 0 and total["memory_mb"] > 0 and total["disk_gb"] > 0
    assert {k: resources[2][k] for k in ("cpu", "memory_mb", "disk_gb")} == \
        {"cpu": 1, "memory_mb": 512, "disk_gb": 1}
    assert {k: resources[3][k] for k in ("cpu", "memory_mb", "disk_gb")} == \
        {"cpu": 1, "memory_mb": 512, "disk_gb": 1}


def test_show_unknown_or_not_a_compute_host(cloud):
    code, body = cloud.admin.get("/os-hosts/nowhere", version=V)
    assert code == 404 and "itemNotFound" in body
    conductor = next(h for h, service, _ in _hosts(cloud) if service == "conductor")
    assert cloud.admin.get(f"/os-hosts/{conductor}", version=V)[0] == 404


@pytest.mark.parametrize("body", [
    {"status": "enable"}, {"maintenance_mode": "disable"},
    {"status": "DISABLE", "maintenance_mode": "Enable"}])
def test_update_is_not_implemented(cloud, body):
    code, answer = cloud.admin.request("PUT", "/os-hosts/cell1-compute1", body, version=V)
    assert code == 501 and answer["notImplemented"]["code"] == 501, answer


@pytest.mark.parametrize("body", [
    {}, {"status": "on"}, {"status": "enable", "other": 1}, {"maintenance_mode": True},
    [], "enable"])
def test_update_bad_body(cloud, body):
    code, answer = cloud.admin.request("PUT", "/os-hosts/cell1-compute1", body, version=V)
    assert code == 400 and "badRequest" in answer, (body, answer)


def test_update_unknown_host(cloud):
    code, _ = cloud.admin.request("PUT", "/os-hosts/nowhere", {"status": "enable"},
                                  version=V)
    assert code == 404


@pytest.mark.parametrize("action", ["reboot", "shutdown", "startup"])
def test_power_actions(cloud, action):
    code, body = cloud.admin.get(f"/os-hosts/cell2-compute1/{action}", version=V)
    assert code == 501 and "notImplemented" in body
    assert cloud.admin.get(f"/os-hosts/nowhere/{action}", version=V)[0] == 404
    assert cloud.demo.get(f"/os-hosts/cell2-compute1/{action}", version=V)[0] == 403
    assert cloud.admin.get(f"/os-hosts/cell2-compute1/{action}", version="2.43")[0] == 404


def test_microversion_window_and_policy(cloud):
    for path in ("/os-hosts", "/os-hosts/cell1-compute1"):
        assert cloud.admin.get(path, version="2.1")[0] == 200
        code, body = cloud.admin.get(path, version="2.43")
        assert code == 404 and "itemNotFound" in body
        assert cloud.demo.get(path, version=V)[0] == 403
    code, _ = cloud.admin.request("PUT", "/os-hosts/cell1-compute1", {"status": "enable"},
                                  version="2.43")
    assert code == 404
    code, _ = cloud.demo.request("PUT", "/os-hosts/cell1-compute1", {"status": "enable"},
                                 version=V)
    assert code == 403


def test_openstack_host_list_and_show(cloud, server_host):
    def run(*args):
        return cloud.openstack("--os-compute-api-version", V, *args, "-f", "json")

    listed = run("host", "list", "--zone", "nova")
    assert sorted(h["Host Name"] for h in listed) == ["cell1-compute1", "cell2-compute1"]
    shown = run("host", "show", server_host)
    assert [r["Project"] for r in shown] == ["(total)", "(used_now)", "(used_max)",
                                             DEMO_PROJECT]
