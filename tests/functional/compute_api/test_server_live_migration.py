"""Live migration, its force_complete (2.22) and abort (2.24), through real
HTTP on a whole embedded cloud whose fake guests take a few seconds to
copy: progress shows on the server's migrations; the migration holds the
source's allocation until the guest runs on the destination."""
from __future__ import annotations

import time

import pytest

from tests.fixtures.cloud import booted_server, module_cloud

pytestmark = pytest.mark.slow
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
COPY_SECONDS = 3.0
BODY = {"os-migrateLive": {"host": None, "block_migration": "auto"}}


cloud = module_cloud("live", hosts_per_cell=2,
                     overrides={"fake_driver": {"live_migration_seconds": COPY_SECONDS}})
server = booted_server("live", no_usage_after=True)


def _running(cloud, sid) -> dict:
    deadline = time.monotonic() + 20
    while True:
        found = cloud.admin.get(f"/servers/{sid}/migrations", version="2.80")[1]["migrations"]
        if found and found[0]["status"] == "running":
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def _all_migrations(cloud, sid) -> list[dict]:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"]


def test_live_migration_copies_then_moves(cloud, server):
    source = cloud.host_of(server)
    assert cloud.admin.post(f"/servers/{server}/action", BODY, version="2.25")[0] == 202
    assert cloud.admin.get(f"/servers/{server}")[1]["server"]["status"] == "MIGRATING"
    running = _running(cloud, server)
    dest = running["dest_compute"]
    assert dest != source and running["source_compute"] == source
    assert cloud.held(server) == {dest: TINY}
    assert cloud.held(running["uuid"]) == {source: TINY}
    shown = cloud.settled(server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    (migration,) = _all_migrations(cloud, server)
    assert (migration["status"], migration["migration_type"]) == ("completed",
                                                                 "live-migration")
    assert cloud.held(server) == {dest: TINY}
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
    cloud.settled(server, "ACTIVE")
    assert time.monotonic() - started < COPY_SECONDS - 0.5
    code, body = cloud.admin.post(path, {"force_complete": None}, version="2.22")
    assert code in (400, 404), body


def test_abort_leaves_it_where_it_was(cloud, server):
    source = cloud.host_of(server)
    assert cloud.admin.post(f"/servers/{server}/action", BODY, version="2.25")[0] == 202
    running = _running(cloud, server)
    path = f"/servers/{server}/migrations/{running['id']}"
    assert cloud.admin.delete(path, version="2.23")[0] == 404
    assert cloud.admin.delete(path, version="2.24")[0] == 202
    shown = cloud.settled(server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _all_migrations(cloud, server)[0]["status"] == "cancelled"
    assert cloud.held(server) == {source: TINY}
    assert cloud.allocations(running["uuid"]) == {}
    assert cloud.admin.delete(path, version="2.24")[0] in (400, 404)


def test_refusals_and_a_paused_server(cloud, server):
    source = cloud.host_of(server)
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
    cloud.settled(server, "PAUSED")
    assert cloud.admin.post(f"/servers/{server}/action", {"os-migrateLive": {
        "host": None, "block_migration": False, "disk_over_commit": False}},
        version="2.24")[0] == 202
    running = _running(cloud, server)
    assert cloud.admin.post(f"/servers/{server}/migrations/{running['id']}/action",
                            {"force_complete": None}, version="2.22")[0] == 202
    shown = cloud.settled(server, "PAUSED")
    assert shown["OS-EXT-SRV-ATTR:host"] != source


def test_openstack_cli_live_migration_and_evacuate(cloud):
    """The real CLI: server migrate --live-migration, server migration
    list / force complete, compute service set --down, server evacuate."""
    run = cloud.openstack

    sid = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none",
              "cli-live", "--wait", "-f", "json")["id"]
    source = cloud.host_of(sid)
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
        moved = cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
        assert moved != source
        run("--os-compute-api-version", "2.11", "compute", "service", "set", "--down",
            moved, "nova-compute")
        try:
            run("--os-compute-api-version", "2.29", "server", "evacuate", sid)
            assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
        finally:
            run("--os-compute-api-version", "2.11", "compute", "service", "set", "--up",
                moved, "nova-compute")
            for agent in cloud.embedded.agents:
                agent.destroy_evacuated()
    finally:
        for agent in cloud.embedded.agents:
            agent.driver._live_migration_seconds = COPY_SECONDS
        run("server", "delete", "--wait", sid)
