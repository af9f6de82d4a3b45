"""Server actions beyond power: pause/unpause, suspend/resume,
rescue/unrescue, lock/unlock (2.73 reason), os-resetState,
trigger_crash_dump (2.17), os-getConsoleOutput, changePassword and
GET /servers/{id}/diagnostics, through real HTTP on a whole embedded cloud
with the fake driver."""
from __future__ import annotations

import concurrent.futures

import pytest

from tests.fixtures.cloud import booted_server, module_cloud

pytestmark = pytest.mark.slow


cloud = module_cloud("state-actions")
server = booted_server("s1")


def _act(cloud, sid, body, api=None, version=None):
    api = api or cloud.demo
    return api.post(f"/servers/{sid}/action", body, **({"version": version} if version else {}))


def _actions(cloud, sid):
    return [a["action"] for a in
            cloud.demo.get(f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]]


def test_pause_unpause_suspend_resume(cloud, server):
    assert _act(cloud, server, {"pause": None})[0] == 202
    shown = cloud.wait_status(cloud.demo, server, "PAUSED")
    assert shown["OS-EXT-STS:vm_state"] == "paused"
    assert shown["OS-EXT-STS:power_state"] == 3
    code, body = _act(cloud, server, {"pause": None})
    assert code == 409
    assert body["conflictingRequest"]["message"] == (
        f"Cannot 'pause' instance {server} while it is in vm_state paused")
    assert _act(cloud, server, {"suspend": None})[0] == 409
    assert _act(cloud, server, {"unpause": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    assert _act(cloud, server, {"resume": None})[0] == 409
    assert _act(cloud, server, {"suspend": None})[0] == 202
    shown = cloud.wait_status(cloud.demo, server, "SUSPENDED")
    assert shown["OS-EXT-STS:power_state"] == 7
    assert _act(cloud, server, {"resume": None})[0] == 202
    shown = cloud.wait_status(cloud.demo, server, "ACTIVE")
    assert shown["OS-EXT-STS:task_state"] is None
    assert _actions(cloud, server)[:4] == ["resume", "suspend", "unpause", "pause"]


def test_rescue_unrescue(cloud, server):
    code, body = _act(cloud, server, {"rescue": {"adminPass": "s3cret"}})
    assert code == 200 and body == {"adminPass": "s3cret"}
    cloud.wait_status(cloud.demo, server, "RESCUE")
    assert _act(cloud, server, {"rescue": None})[0] == 409
    assert _act(cloud, server, {"unrescue": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    code, body = _act(cloud, server, {"rescue": None})
    assert code == 200 and len(body["adminPass"]) >= 8
    cloud.wait_status(cloud.demo, server, "RESCUE")
    for bad in ({"rescue": {"rescue_image_ref": "nope"}}, {"rescue": {"x": 1}},
                {"rescue": "text"}):
        assert _act(cloud, server, bad)[0] == 400, bad


def test_lock_blocks_members_not_admins(cloud, server):
    assert _act(cloud, server, {"lock": {"locked_reason": "maintenance"}})[0] == 202
    shown = cloud.demo.get(f"/servers/{server}")[1]["server"]
    assert shown["locked"] is True and shown["locked_reason"] == "maintenance"
    code, body = _act(cloud, server, {"os-stop": None})
    assert code == 409
    assert body["conflictingRequest"]["message"] == f"Instance {server} is locked"
    assert cloud.demo.delete(f"/servers/{server}")[0] == 409
    # Before 2.73 no reason may be given... but a body value is not checked.
    assert _act(cloud, server, {"lock": {"locked_reason": "x" * 256}})[0] == 400
    # The owner may unlock the owner's lock.
    assert _act(cloud, server, {"unlock": None})[0] == 202
    assert cloud.demo.get(f"/servers/{server}")[1]["server"]["locked"] is False
    # An admin's lock: the owner may not unlock it; an admin may act anyway.
    assert _act(cloud, server, {"lock": None}, api=cloud.admin)[0] == 202
    code, body = _act(cloud, server, {"unlock": None})
    assert code == 403
    assert "unlock:unlock_override" in body["forbidden"]["message"]
    assert _act(cloud, server, {"pause": None}, api=cloud.admin)[0] == 202
    cloud.wait_status(cloud.admin, server, "PAUSED")
    assert _act(cloud, server, {"unlock": None}, api=cloud.admin)[0] == 202
    assert _act(cloud, server, {"unpause": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    assert {"lock", "unlock"} <= set(_actions(cloud, server))


def test_lock_reason_window(cloud, server):
    assert _act(cloud, server, {"lock": {"locked_reason": "old"}}, version="2.72")[0] == 202
    shown = cloud.demo.get(f"/servers/{server}")[1]["server"]
    assert shown["locked"] is True and shown["locked_reason"] is None
    assert "locked_reason" not in cloud.demo.get(f"/servers/{server}",
                                                 version="2.72")[1]["server"]


def test_reset_state_is_admin_only(cloud, server):
    code, body = _act(cloud, server, {"os-resetState": {"state": "error"}})
    assert code == 403 and "reset_state" in body["forbidden"]["message"]
    assert _act(cloud, server, {"os-resetState": {"state": "broken"}},
                api=cloud.admin)[0] == 400
    assert _act(cloud, server, {"os-resetState": {"state": "error"}}, api=cloud.admin)[0] == 202
    assert cloud.demo.get(f"/servers/{server}")[1]["server"]["status"] == "ERROR"
    assert _act(cloud, server, {"os-resetState": {"state": "active"}},
                api=cloud.admin)[0] == 202
    assert cloud.demo.get(f"/servers/{server}")[1]["server"]["status"] == "ACTIVE"
    assert "resetState" in _actions(cloud, server)


def test_crash_dump_window_and_console(cloud, server):
    assert _act(cloud, server, {"trigger_crash_dump": None}, version="2.16")[0] == 404
    assert _act(cloud, server, {"trigger_crash_dump": {}})[0] == 400
    assert _act(cloud, server, {"trigger_crash_dump": None})[0] == 202
    cloud.wait_action_done(server, "trigger_crash_dump")
    code, body = _act(cloud, server, {"os-getConsoleOutput": {}})
    assert code == 200
    lines = body["output"].splitlines()
    assert any("booted" in line for line in lines)
    assert "crash dump" in lines[-1]
    code, body = _act(cloud, server, {"os-getConsoleOutput": {"length": "1"}})
    assert code == 200 and len(body["output"].splitlines()) == 1
    assert _act(cloud, server, {"os-getConsoleOutput": {"length": 0}})[1] == {"output": ""}
    whole = _act(cloud, server, {"os-getConsoleOutput": {"length": -1}})[1]["output"]
    assert len(whole.splitlines()) == len(lines)
    huge = _act(cloud, server, {"os-getConsoleOutput": {"length": 10**30}})
    assert huge[0] == 200 and len(huge[1]["output"].splitlines()) == len(lines)
    for bad in ({"length": -2}, {"length": "1x"}, {"length": 1.5}, {"tail": 1}):
        assert _act(cloud, server, {"os-getConsoleOutput": bad})[0] == 400, bad


def test_change_password(cloud, server):
    assert _act(cloud, server, {"changePassword": {}})[0] == 400
    assert _act(cloud, server, {"changePassword": {"adminPass": "n3w"}})[0] == 202
    shown = cloud.demo.get(f"/servers/{server}")[1]["server"]
    assert shown["status"] == "ACTIVE" and shown["OS-EXT-STS:task_state"] is None
    assert "changePassword" in _actions(cloud, server)
    assert _act(cloud, server, {"os-stop": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "SHUTOFF")
    code, body = _act(cloud, server, {"changePassword": {"adminPass": "n3w"}})
    assert code == 409
    assert "vm_state stopped" in body["conflictingRequest"]["message"]


def test_diagnostics(cloud, server):
    code, body = cloud.demo.get(f"/servers/{server}/diagnostics")
    assert code == 403
    code, body = cloud.admin.get(f"/servers/{server}/diagnostics")
    assert code == 200
    assert body["state"] == "running" and body["driver"] == "fake"
    assert body["num_cpus"] == len(body["cpu_details"])
    assert set(body) >= {"hypervisor", "hypervisor_os", "uptime", "config_drive",
                         "num_nics", "num_disks", "nic_details", "disk_details",
                         "memory_details"}
    code, old = cloud.admin.get(f"/servers/{server}/diagnostics", version="2.47")
    assert code == 200 and "state" not in old and "cpu0_time" in old
    missing = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"
    assert cloud.admin.get(f"/servers/{missing}/diagnostics")[0] == 404


def test_racing_actions_one_wins(cloud, server):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(lambda body: _act(cloud, server, body)[0],
                                [{"pause": None}, {"suspend": None}, {"os-stop": None},
                                 {"pause": None}]))
    assert codes.count(202) == 1 and codes.count(409) == 3, codes
    shown = cloud.wait_status(cloud.demo, server, "PAUSED", "SUSPENDED", "SHUTOFF")
    assert shown["OS-EXT-STS:task_state"] is None


def test_unknown_actions_and_bodies(cloud, server):
    code, body = _act(cloud, server, {"os-explode": None})
    assert code == 400 and body["badRequest"]["message"] == "There is no such action: os-explode"
    code, body = _act(cloud, server, {"pause": None, "unpause": None})
    assert code == 400
    other = cloud.admin.post("/servers", {"server": {
        "name": "adm", "imageRef": cloud.image_id(), "flavorRef": "1", "networks": "none"}})
    sid = other[1]["server"]["id"]
    try:
        for body in ({"pause": None}, {"lock": None}, {"os-getConsoleOutput": {}}):
            assert _act(cloud, sid, body)[0] == 404, body
    finally:
        cloud.admin.delete(f"/servers/{sid}")
        cloud.wait_gone(cloud.admin, sid)
