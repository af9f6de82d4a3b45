"""Live migration, its force_complete (2.22) and abort (2.24), through real
HTTP on a whole embedded cloud whose fake guests take a few seconds to
copy: progress shows on the server's migrations; the migration holds the
source's allocation until the guest runs on the destination."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
COPY_SECONDS = 3.0
BODY = {"os-migrateLive": {"host": None, "block_migration": "auto"}}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("live") / "state"),
                         cells=1, hosts_per_cell=2,
                         overrides={"fake_driver": {"live_migration_seconds": COPY_SECONDS}})
    yield cloud
    cloud.stop()


@pytest.fixture
def server(cloud):
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "live", "imageRef": cloud.image_id(), "flavorRef": "1",
        "networks": "none"}})
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    yield sid
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()


def _names(cloud) -> dict[str, str]:
    resp = cloud.placement.request("GET", "/resource_providers", version="1.14")
    return {p["uuid"]: p["name"] for p in resp.json()["resource_providers"]}


def _held(cloud, consumer) -> dict[str, dict]:
    names = _names(cloud)
    return {names[rp]: r for rp, r in cloud.allocations(consumer).items()}


def _host(cloud, sid) -> str:
    return cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-SRV-ATTR:host"]


def _running(cloud, sid) -> dict:
    deadline = time.monotonic() + 20
    while True:
        found = cloud.admin.get(f"/servers/{sid}/migrations", version="2.80")[1]["migrations"]
        if found and found[0]["status"] == "running":
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def _settled(cloud, sid, status="ACTIVE", timeout=30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
        if shown["status"] == status and shown["OS-EXT-STS:task_state"] is None:
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.05)


def _all_migrations(cloud, sid) -> list[dict]:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"]


def test_live_migration_copies_then_moves(cloud, server):
    source = _host(cloud, server)
    assert cloud.admin.post(f"/servers/{server}/action", BODY, version="2.25")[0] == 202
    assert cloud.admin.get(f"/servers/{server}")[1]["server"]["status"] == "MIGRATING"
    running = _running(cloud, server)
    dest = running["dest_compute"]
    assert dest != source and running["source_compute"] == source
    assert _held(cloud, server) == {dest: TINY}
    assert _held(cloud, running["uuid"]) == {source: TINY}
    shown = _settled(cloud, server)
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    (migration,) = _all_migrations(cloud, server)
    assert (migration["status"], migration["migration_type"]) == ("completed",
                                                                 "live-migration")
    assert _held(cloud, server) == {dest: TINY}
    assert cloud.allocations(migration["uuid"]) == {}
    assert cloud.admin.get(f"/servers/{server}/migrations", version="2.23")[1] == {
        "migrations": []}


def test_force_complete_ends_the_copy(cloud, server):
    assert cloud.admin.post(f"/servers/{server}/action", BODY, version="2.25")[0] == 202
    running = _running(cloud, server)
    path = f"/servers/{server}/migrations/{running['id']}/action"
    assert cloud.admin.post(path, {"force_complete": None}, version="2.21")[0] == 404
    assert cloud.demo.post(path, {"force_complete": None}, version="2.22")[0] == 403
    started = time.monotonic()
    assert cloud.admin.post(path, {"force_complete": None}, version="2.22")[0] == 202
    _settled(cloud, server)
    assert time.monotonic() - started < COPY_SECONDS - 0.5
    code, body = cloud.admin.post(path, {"force_complete": None}, version="2.22")
    assert code in (400, 404), body


def test_abort_leaves_it_where_it_was(cloud, server):
    source = _host(cloud, server)
    assert cloud.admin.post(f"/servers/{server}/action", BODY, version="2.25")[0] == 202
    running = _running(cloud, server)
    path = f"/servers/{server}/migrations/{running['id']}"
    assert cloud.admin.delete(path, version="2.23")[0] == 404
    assert cloud.admin.delete(path, version="2.24")[0] == 202
    shown = _settled(cloud, server)
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _all_migrations(cloud, server)[0]["status"] == "cancelled"
    assert _held(cloud, server) == {source: TINY}
    assert cloud.allocations(running["uuid"]) == {}
    assert cloud.admin.delete(path, version="2.24")[0] in (400, 404)


def test_refusals_and_a_paused_server(cloud, server):
    source = _host(cloud, server)
    assert cloud.demo.post(f"/servers/{server}/action", BODY, version="2.25")[0] == 403
    for body, version in (({"os-migrateLive": {"host": source, "block_migration": False}},
                           "2.25"),
                          ({"os-migrateLive": {"host": "nowhere", "block_migration": False}},
                           "2.25"),
                          ({"os-migrateLive": {"block_migration": False}}, "2.25"),
                          ({"os-migrateLive": {"host": None, "block_migration": "auto",
                                               "force": True}}, "2.68"),
                          ({"os-migrateLive": {"host": None, "block_migration": "auto"}},
                           "2.24")):
        assert cloud.admin.post(f"/servers/{server}/action", body,
                                version=version)[0] == 400, (body, version)
    assert cloud.admin.get(f"/servers/{server}/migrations/99999", version="2.23")[0] == 404
    assert cloud.demo.post(f"/servers/{server}/action", {"pause": None})[0] == 202
    _settled(cloud, server, "PAUSED")
    assert cloud.admin.post(f"/servers/{server}/action", {"os-migrateLive": {
        "host": None, "block_migration": False, "disk_over_commit": False}},
        version="2.24")[0] == 202
    running = _running(cloud, server)
    assert cloud.admin.post(f"/servers/{server}/migrations/{running['id']}/action",
                            {"force_complete": None}, version="2.22")[0] == 202
    shown = _settled(cloud, server, "PAUSED")
    assert shown["OS-EXT-SRV-ATTR:host"] != source


def test_openstack_cli_live_migration_and_evacuate(cloud):
    """The real CLI: server migrate --live-migration, server migration
    list / force complete, compute service set --down, server evacuate."""
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes", *args], env=env,
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, (args, out.stderr)
        return json.loads(out.stdout) if "json" in args else out.stdout

    sid = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none",
              "cli-live", "--wait", "-f", "json")["id"]
    source = _host(cloud, sid)
    # The CLI takes seconds per command: this copy takes long enough to
    # still be running when it asks to force it complete.
    for agent in cloud.embedded.agents:
        agent.driver._live_migration_seconds = 60.0
    try:
        run("server", "migrate", "--live-migration", sid)
        running = _running(cloud, sid)
        listed = run("--os-compute-api-version", "2.80", "server", "migration", "list",
                     "--server", sid, "-f", "json")
        assert [m["Id"] for m in listed] == [running["id"]]
        run("--os-compute-api-version", "2.22", "server", "migration", "force", "complete",
            sid, str(running["id"]))
        moved = _settled(cloud, sid)["OS-EXT-SRV-ATTR:host"]
        assert moved != source
        run("--os-compute-api-version", "2.11", "compute", "service", "set", "--down",
            moved, "nova-compute")
        try:
            run("--os-compute-api-version", "2.29", "server", "evacuate", sid)
            assert _settled(cloud, sid)["OS-EXT-SRV-ATTR:host"] == source
        finally:
            run("--os-compute-api-version", "2.11", "compute", "service", "set", "--up",
                moved, "nova-compute")
            for agent in cloud.embedded.agents:
                agent.destroy_evacuated()
    finally:
        for agent in cloud.embedded.agents:
            agent.driver._live_migration_seconds = COPY_SECONDS
        run("server", "delete", "--wait", sid)
