"""The real ``openstack`` CLI on the server actions: pause/unpause,
suspend/resume, lock (2.73 reason)/unlock, rescue/unrescue, ``console log
show``, ``server dump create``, ``server image create --wait`` (a snapshot
with data), ``server backup create`` (rotation), shelve / ``shelve
--offload`` / unshelve, ``server rebuild --image`` and the migration lists.
Shelved servers stay on their host here (``shelved_offload_time`` -1) so
that the CLI's ``--offload`` has work to do."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow

cloud = module_cloud("cli-actions", hosts_per_cell=2,
                     overrides={"DEFAULT": {"shelved_offload_time": -1}})


def _demo(cloud, *args, ok=True):
    return cloud.openstack(*args, as_="nubes-demo", ok=ok)


@pytest.fixture
def server(cloud):
    """A demo member's ACTIVE server made with the CLI; deleted after.  (The
    CLI's ``--wait`` polls every 5 s: the tests wait through the API.)"""
    made = _demo(cloud, "server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                 "--nic", "none", "act", "-f", "json")
    assert made["status"] == "BUILD", made
    cloud.settled(made["id"], "ACTIVE")
    yield made["id"]
    cloud.admin.post(f"/servers/{made['id']}/action", {"unlock": None})
    cloud.openstack("server", "delete", made["id"])
    cloud.wait_gone(cloud.admin, made["id"])


def _image_api(cloud, method, path):
    return requests.request(method, cloud.embedded.urls["image"] + path,
                            headers={"X-Auth-Token": cloud.admin_token}, timeout=30)


def _actions(cloud, sid) -> list[str]:
    return [a["Action"] for a in _demo(cloud, "server", "event", "list", sid, "-f", "json")]


def test_pause_suspend_rescue_and_console(cloud, server):
    sid = server
    steps = [("pause", (), "PAUSED", 3), ("unpause", (), "ACTIVE", 1),
             ("suspend", (), "SUSPENDED", 7), ("resume", (), "ACTIVE", 1),
             ("rescue", ("--password", "Rescue-pw1"), "RESCUE", 1),
             ("unrescue", (), "ACTIVE", 1)]
    for command, extra, status, power in steps:
        _demo(cloud, "server", command, *extra, sid)
        shown = cloud.settled(sid, status)
        assert shown["OS-EXT-STS:power_state"] == power, (command, shown)
    assert _actions(cloud, sid)[:6] == ["unrescue", "rescue", "resume", "suspend",
                                        "unpause", "pause"]
    log = _demo(cloud, "console", "log", "show", sid)
    assert "pause: power state 3" in log and "suspend: power state 7" in log
    last = _demo(cloud, "console", "log", "show", "--lines", "1", sid)
    assert last.strip().splitlines() == [log.strip().splitlines()[-1]]
    # A state the action cannot start from: the API's 409 reaches the user.
    refused = _demo(cloud, "server", "unpause", sid, ok=False)
    assert "409" in refused.stderr and "vm_state active" in refused.stderr


def test_dump_create_triggers_a_crash_dump(cloud, server):
    _demo(cloud, "--os-compute-api-version", "2.17", "server", "dump", "create", server)
    done = cloud.wait_action_done(server, "trigger_crash_dump")
    assert all(e["result"] == "Success" for e in done["events"])
    assert "crash dump" in _demo(cloud, "console", "log", "show", "--lines", "1", server)
    assert cloud.settled(server, "ACTIVE")


def test_lock_with_reason_refuses_the_member(cloud, server):
    sid = server
    _demo(cloud, "--os-compute-api-version", "2.73", "server", "lock", "--reason",
          "maintenance window", sid)
    shown = _demo(cloud, "--os-compute-api-version", "2.73", "server", "show", sid,
                  "-f", "json")
    assert (shown["locked"], shown["locked_reason"]) == (True, "maintenance window")
    api = cloud.admin.get(f"/servers/{sid}", version="2.73")[1]["server"]
    assert (api["locked"], api["locked_reason"]) == (True, "maintenance window")
    refused = _demo(cloud, "server", "pause", sid, ok=False)
    assert "409" in refused.stderr and f"Instance {sid} is locked" in refused.stderr
    locked = _demo(cloud, "--os-compute-api-version", "2.73", "server", "list", "--locked",
                   "-f", "json")
    assert [s["ID"] for s in locked] == [sid]
    _demo(cloud, "server", "unlock", sid)
    api = cloud.admin.get(f"/servers/{sid}", version="2.73")[1]["server"]
    assert (api["locked"], api["locked_reason"]) == (False, None)
    _demo(cloud, "server", "pause", sid)
    cloud.settled(sid, "PAUSED")
    assert _actions(cloud, sid)[:3] == ["pause", "unlock", "lock"]


def test_snapshot_backup_rotation_and_rebuild(cloud, server):
    sid = server
    snap = _demo(cloud, "server", "image", "create", "--name", "snap1", "--wait", sid,
                 "-f", "json")
    assert (snap["name"], snap["status"]) == ("snap1", "active")
    assert snap["size"] > 0 and snap["properties"]["instance_uuid"] == sid
    data = _image_api(cloud, "GET", f"/v2/images/{snap['id']}/file")
    assert data.status_code == 200 and len(data.content) == snap["size"]
    cloud.wait_action_done(sid, "createImage")

    # Two backups of one type with rotation 1: the first goes.  (Distinct
    # names: the CLI looks the new backup up by name while the old one is
    # still there.)
    first = _demo(cloud, "server", "backup", "create", "--name", "bk1", "--type", "daily",
                  "--rotate", "1", sid, "-f", "json")
    assert first["properties"]["image_type"] == "backup"
    assert first["properties"]["backup_type"] == "daily"
    cloud.wait_action_done(sid, "createBackup")
    assert _image_api(cloud, "GET", f"/v2/images/{first['id']}").json()["status"] == "active"
    second = _demo(cloud, "server", "backup", "create", "--name", "bk2", "--type", "daily",
                   "--rotate", "1", sid, "-f", "json")
    deadline = time.monotonic() + 30
    while _image_api(cloud, "GET", f"/v2/images/{first['id']}").status_code != 404:
        assert time.monotonic() < deadline, "the rotation kept the old backup"
        time.sleep(0.1)
    names = {i["Name"] for i in _demo(cloud, "image", "list", "-f", "json")}
    assert {"snap1", "bk2"} <= names and "bk1" not in names

    # Rebuild from the snapshot, with a new name and properties.
    out = _demo(cloud, "server", "rebuild", "--image", "snap1", "--name", "rebuilt",
                "--property", "from=snap", sid, "-f", "json")
    assert (out["status"], out["name"], out["image"]) == ("REBUILD", "rebuilt",
                                                          f"snap1 ({snap['id']})")
    api = cloud.settled(sid, "ACTIVE")
    assert (api["name"], api["image"]["id"], api["metadata"]) == (
        "rebuilt", snap["id"], {"from": "snap"})
    done = cloud.wait_action_done(sid, "rebuild")
    assert [e["result"] for e in done["events"]] == ["Success"]
    assert cloud.wait_action_done(sid, "createBackup")
    cloud.openstack("image", "delete", snap["id"], second["id"])


def test_shelve_offload_and_unshelve(cloud, server):
    sid = server
    host = cloud.host_of(sid)
    before = cloud.held(sid)
    assert set(before) == {host}
    _demo(cloud, "server", "shelve", sid)
    shown = cloud.settled(sid, "SHELVED")
    assert shown["OS-EXT-SRV-ATTR:host"] == host and cloud.held(sid) == before
    # Unshelved where it is.
    _demo(cloud, "server", "unshelve", sid)
    assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == host
    # --offload (admin): shelve, then shelveOffload; the host and the
    # allocations go.
    refused = _demo(cloud, "server", "shelve", "--offload", sid, ok=False)
    assert "403" in refused.stderr and "shelve_offload" in refused.stderr
    cloud.settled(sid, "SHELVED")
    cloud.openstack("server", "unshelve", sid)
    cloud.settled(sid, "ACTIVE")
    # The CLI shelves, waits for SHELVED, then offloads.
    cloud.openstack("server", "shelve", "--offload", "--wait", sid)
    shown = cloud.settled(sid, "SHELVED_OFFLOADED")
    assert shown["OS-EXT-SRV-ATTR:host"] is None and cloud.allocations(sid) == {}
    assert "shelveOffload" in _actions(cloud, sid)
    # (The admin unshelves: the shelve's image is the admin's, and the
    # unshelve deletes it with the caller's token, as OpenStack compute does.)
    cloud.openstack("--os-compute-api-version", "2.77", "server", "unshelve",
                    "--availability-zone", "nova", sid)
    shown = cloud.settled(sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] is not None
    assert set(cloud.held(sid)) == {shown["OS-EXT-SRV-ATTR:host"]}
    assert cloud.held(sid)[shown["OS-EXT-SRV-ATTR:host"]] == before[host]
    # The shelve's image goes with the unshelve (once the server runs).
    deadline = time.monotonic() + 30
    while "act-shelved" in {i["Name"] for i in cloud.openstack("image", "list", "-f", "json")}:
        assert time.monotonic() < deadline, "the shelve's image was left behind"
        time.sleep(0.2)


def test_migrate_and_the_migration_lists(cloud, server):
    sid = server
    source = cloud.host_of(sid)
    cloud.openstack("server", "migrate", sid)
    dest = cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
    assert dest != source
    listed = cloud.openstack("--os-compute-api-version", "2.80", "server", "migration",
                             "list", "--server", sid, "--project", "demo", "-f", "json")
    assert [(m["Server UUID"], m["Source Compute"], m["Dest Compute"], m["Type"],
             m["Status"]) for m in listed] == [(sid, source, dest, "migration", "finished")]
    api = cloud.admin.get(f"/os-migrations?instance_uuid={sid}", version="2.80")[1]
    assert [m["uuid"] for m in api["migrations"]] == [m["UUID"] for m in listed]
    # The flavor's row id on both sides (m1.tiny is the first flavor made).
    assert (listed[0]["Old Flavor"], listed[0]["New Flavor"]) == (1, 1)
    assert (api["migrations"][0]["old_instance_type_id"],
            api["migrations"][0]["new_instance_type_id"]) == (1, 1)
    assert listed[0]["Project"] == api["migrations"][0]["project_id"]
    by_status = cloud.openstack("server", "migration", "list", "--status", "finished",
                                "--type", "cold-migration", "--host", dest, "-f", "json")
    assert [m["Server UUID"] for m in by_status] == [sid]
    assert cloud.openstack("server", "migration", "list", "--status", "error",
                           "-f", "json") == []
    refused = _demo(cloud, "server", "migration", "list", ok=False)
    assert "403" in refused.stderr
    cloud.openstack("server", "resize", "confirm", sid)
    assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    listed = cloud.openstack("server", "migration", "list", "--server", sid, "-f", "json")
    assert [m["Status"] for m in listed] == ["confirmed"]
