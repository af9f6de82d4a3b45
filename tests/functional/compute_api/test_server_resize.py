"""Resize and cold migration within a cell, with confirm and revert, through
real HTTP on a whole embedded cloud, checking placement after every step:
while a move waits the migration's uuid holds the source's allocation and
the instance's uuid the destination's; confirm drops the first, revert
gives it back; every failure leaves placement as before the move."""
from __future__ import annotations

import time

import pytest

from tests.fixtures.cloud import booted_server, module_cloud

pytestmark = pytest.mark.slow
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
SMALL = {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}


cloud = module_cloud("resize", hosts_per_cell=3)
server = booted_server("mover", no_usage_after=True)


def _act(api, sid, body, **kw):
    return api.post(f"/servers/{sid}/action", body, **kw)


def _migration(cloud, sid) -> dict:
    found = cloud.admin.get(f"/os-migrations?instance_uuid={sid}", version="2.59")[1]
    return found["migrations"][0]


def _usage_is(cloud, expected: dict[str, dict]) -> None:
    deadline = time.monotonic() + 30
    while True:
        usages = {name: {k: v for k, v in u.items() if v}
                  for name, u in cloud.provider_usages().items()}
        wanted = {name: expected.get(name, {}) for name in usages}
        if usages == wanted:
            return
        assert time.monotonic() < deadline, (usages, wanted)
        time.sleep(0.05)


def test_resize_then_confirm(cloud, server):
    source = cloud.host_of(server)
    assert _act(cloud.demo, server, {"resize": {"flavorRef": "2"}})[0] == 202
    shown = cloud.settled(server, "VERIFY_RESIZE")
    dest = shown["OS-EXT-SRV-ATTR:host"]
    assert dest != source and shown["flavor"]["original_name"] == "m1.small"
    migration = _migration(cloud, server)
    assert (migration["status"], migration["migration_type"]) == ("finished", "resize")
    assert (migration["source_compute"], migration["dest_compute"]) == (source, dest)
    # Both hosts accounted, neither twice.
    assert cloud.held(server) == {dest: SMALL}
    assert cloud.held(migration["uuid"]) == {source: TINY}
    _usage_is(cloud, {source: TINY, dest: SMALL})

    assert _act(cloud.demo, server, {"confirmResize": None})[0] == 204
    shown = cloud.settled(server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    _usage_is(cloud, {dest: SMALL})
    assert cloud.allocations(migration["uuid"]) == {}
    assert _migration(cloud, server)["status"] == "confirmed"
    actions = [a["action"] for a in cloud.demo.get(
        f"/servers/{server}/os-instance-actions")[1]["instanceActions"]]
    assert actions[:2] == ["confirmResize", "resize"]
    code, body = _act(cloud.demo, server, {"confirmResize": None})
    assert code == 409 and "vm_state active" in body["conflictingRequest"]["message"]


def test_resize_then_revert(cloud, server):
    source = cloud.host_of(server)
    assert _act(cloud.demo, server, {"resize": {"flavorRef": "2"}})[0] == 202
    dest = cloud.settled(server, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
    migration = _migration(cloud, server)
    assert _act(cloud.demo, server, {"revertResize": None})[0] == 202
    shown = cloud.settled(server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert shown["flavor"]["original_name"] == "m1.tiny"
    assert cloud.held(server) == {source: TINY}
    assert cloud.allocations(migration["uuid"]) == {}
    _usage_is(cloud, {source: TINY})
    assert dest != source and _migration(cloud, server)["status"] == "reverted"


def test_cold_migration_is_for_admins_and_keeps_the_flavor(cloud, server):
    source = cloud.host_of(server)
    code, body = _act(cloud.demo, server, {"migrate": None})
    assert code == 403
    others = sorted({s["host"] for s in cloud.admin.get(
        "/os-services?binary=nova-compute")[1]["services"]} - {source})
    assert _act(cloud.admin, server, {"migrate": {"host": others[1]}}, version="2.56")[0] == 202
    shown = cloud.settled(server, "VERIFY_RESIZE")
    assert shown["OS-EXT-SRV-ATTR:host"] == others[1]
    assert shown["flavor"]["original_name"] == "m1.tiny"
    assert _migration(cloud, server)["migration_type"] == "migration"
    _usage_is(cloud, {source: TINY, others[1]: TINY})
    assert _act(cloud.demo, server, {"confirmResize": None})[0] == 204
    cloud.settled(server, "ACTIVE")
    _usage_is(cloud, {others[1]: TINY})
    assert _act(cloud.admin, server, {"migrate": {"host": "nowhere"}},
                version="2.56")[0] == 400
    assert _act(cloud.admin, server, {"migrate": {"host": others[1]}},
                version="2.56")[0] == 400


def test_no_valid_host_leaves_everything_as_it_was(cloud, server):
    source = cloud.host_of(server)
    services = cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
    others = [s for s in services if s["host"] != source]
    for svc in others:
        cloud.admin.put(f"/os-services/{svc['id']}", {"status": "disabled"}, version="2.53")
    try:
        assert _act(cloud.admin, server, {"migrate": None})[0] == 202
        action = cloud.wait_action_done(server, "migrate")
        assert action["events"][0]["result"] == "Error"
        shown = cloud.settled(server, "ACTIVE")
        assert shown["OS-EXT-SRV-ATTR:host"] == source
        assert cloud.held(server) == {source: TINY}
        migration = _migration(cloud, server)
        assert migration["status"] == "error"
        assert cloud.allocations(migration["uuid"]) == {}
        _usage_is(cloud, {source: TINY})
    finally:
        for svc in others:
            cloud.admin.put(f"/os-services/{svc['id']}", {"status": "enabled"},
                            version="2.53")


def test_refused_resizes(cloud, server):
    for body, code in (({"resize": {"flavorRef": "1"}}, 400),
                       ({"resize": {"flavorRef": "nope"}}, 400),
                       ({"resize": {}}, 400),
                       ({"resize": {"flavorRef": "2", "extra": 1}}, 400),
                       ({"revertResize": None}, 409)):
        assert _act(cloud.demo, server, body)[0] == code, body
    # Up to m1.small, then down to m1.tiny: its disk would shrink.
    assert _act(cloud.demo, server, {"resize": {"flavorRef": "2"}})[0] == 202
    cloud.settled(server, "VERIFY_RESIZE")
    assert _act(cloud.demo, server, {"confirmResize": None})[0] == 204
    cloud.settled(server, "ACTIVE")
    code, body = _act(cloud.demo, server, {"resize": {"flavorRef": "1"}})
    assert code == 400 and body["badRequest"]["message"] == "Unable to resize disk down."


def test_stopped_server_stays_stopped(cloud, server):
    assert _act(cloud.demo, server, {"os-stop": None})[0] == 202
    cloud.settled(server, "SHUTOFF")
    assert _act(cloud.demo, server, {"resize": {"flavorRef": "2"}})[0] == 202
    shown = cloud.settled(server, "VERIFY_RESIZE")
    assert shown["OS-EXT-STS:power_state"] == 4
    assert _act(cloud.demo, server, {"confirmResize": None})[0] == 204
    cloud.settled(server, "SHUTOFF")


def test_delete_mid_move_frees_both_hosts(cloud):
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "gone", "imageRef": cloud.image_id(), "flavorRef": "1",
        "networks": "none"}})
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    assert _act(cloud.demo, sid, {"resize": {"flavorRef": "2"}})[0] == 202
    cloud.settled(sid, "VERIFY_RESIZE")
    migration = _migration(cloud, sid)
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()
    assert cloud.allocations(migration["uuid"]) == {}
    # The powered-off guest the resize left on its source goes too.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
            sid in a.driver.guests() for a in cloud.embedded.agents):
        time.sleep(0.1)
    assert [a.host for a in cloud.embedded.agents if sid in a.driver.guests()] == []


def test_openstack_cli_moves(cloud):
    """The real CLI: resize, resize confirm, migrate, resize revert,
    server migration list."""
    run = cloud.openstack

    sid = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none",
              "cli-mover", "--wait", "-f", "json")["id"]
    try:
        source = cloud.host_of(sid)
        run("server", "resize", "--flavor", "m1.small", "--wait", sid)
        assert cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] != source
        run("server", "resize", "confirm", sid)
        shown = cloud.settled(sid, "ACTIVE")
        assert shown["flavor"]["original_name"] == "m1.small"
        moved_to = shown["OS-EXT-SRV-ATTR:host"]
        run("server", "migrate", "--wait", sid)
        cloud.settled(sid, "VERIFY_RESIZE")
        run("server", "resize", "revert", sid)
        assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == moved_to
        listed = run("--os-compute-api-version", "2.80", "server", "migration", "list",
                     "--server", sid, "-f", "json")
        assert sorted(m["Status"] for m in listed) == ["confirmed", "reverted"]
    finally:
        run("server", "delete", "--wait", sid)


@pytest.mark.parametrize("then", ["revert", "confirm"])
def test_delete_just_after_revert_or_confirm_leaves_nothing(cloud, then):
    """The delete races the hosts' revert (or confirm): whichever wins, the
    server is gone with no guest and no allocation left anywhere."""
    sid = cloud.boot("racer-" + then)
    assert _act(cloud.demo, sid, {"resize": {"flavorRef": "2"}})[0] == 202
    cloud.settled(sid, "VERIFY_RESIZE")
    migration = _migration(cloud, sid)
    action = {"revertResize": None} if then == "revert" else {"confirmResize": None}
    assert _act(cloud.demo, sid, action)[0] in (202, 204)
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()
    assert cloud.allocations(migration["uuid"]) == {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
            sid in a.driver.guests() for a in cloud.embedded.agents):
        time.sleep(0.1)
    assert [a.host for a in cloud.embedded.agents if sid in a.driver.guests()] == []
