"""DELETE /servers/{id}, POST /servers/{id}/action (reboot, os-stop,
os-start) and GET /servers/{id}/os-instance-actions[/{request_id}] through
real HTTP on a whole embedded cloud."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("actions") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture
def server(cloud):
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "a1", "imageRef": cloud.image_id(), "flavorRef": "1", "networks": "none"}})
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    yield sid
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)


def _act(cloud, sid, body, api=None):
    api = api or cloud.demo
    code, answer = api.post(f"/servers/{sid}/action", body)
    return code, answer, api.last_headers.get("x-openstack-request-id")


def test_stop_start_reboot(cloud, server):
    code, _, stop_id = _act(cloud, server, {"os-stop": None})
    assert code == 202
    assert cloud.wait_status(cloud.demo, server, "SHUTOFF")["OS-EXT-STS:vm_state"] == "stopped"
    code, body, _ = _act(cloud, server, {"os-stop": None})
    assert code == 409 and "conflictingRequest" in body
    code, body, _ = _act(cloud, server, {"reboot": {"type": "SOFT"}})
    assert code == 409 and "conflictingRequest" in body
    code, _, start_id = _act(cloud, server, {"os-start": None})
    assert code == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    code, body, _ = _act(cloud, server, {"os-start": None})
    assert code == 409 and "conflictingRequest" in body
    code, _, soft_id = _act(cloud, server, {"reboot": {"type": "SOFT"}})
    assert code == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    code, _, hard_id = _act(cloud, server, {"reboot": {"type": "HARD"}})
    assert code == 202
    shown = cloud.wait_status(cloud.demo, server, "ACTIVE")
    assert shown["OS-EXT-STS:task_state"] is None

    actions = cloud.demo.get(f"/servers/{server}/os-instance-actions")[1]["instanceActions"]
    assert [(a["action"], a["request_id"]) for a in actions[:4]] == [
        ("reboot", hard_id), ("reboot", soft_id), ("start", start_id), ("stop", stop_id)]
    assert actions[-1]["action"] == "create"
    # Events: for everyone from 2.51 (no traceback), admins only before.
    code, old = cloud.demo.get(f"/servers/{server}/os-instance-actions/{stop_id}",
                               version="2.50")
    assert code == 200 and "events" not in old["instanceAction"]
    new = cloud.demo.get(f"/servers/{server}/os-instance-actions/{stop_id}")[1]
    events = new["instanceAction"]["events"]
    assert events and all("traceback" not in e for e in events)
    admin = cloud.admin.get(f"/servers/{server}/os-instance-actions/{stop_id}",
                            version="2.50")[1]
    assert admin["instanceAction"]["events"][0]["result"] == "Success"
    assert "traceback" in admin["instanceAction"]["events"][0]
    code, _ = cloud.demo.get(f"/servers/{server}/os-instance-actions/req-nope")
    assert code == 404


def test_unknown_server_and_bad_actions(cloud, server):
    assert cloud.demo.post(f"/servers/{MISSING}/action", {"os-stop": None})[0] == 404
    assert cloud.demo.delete(f"/servers/{MISSING}")[0] == 404
    assert cloud.demo.get(f"/servers/{MISSING}/os-instance-actions")[0] == 404
    for body in ({"os-explode": None}, {"reboot": {"type": "MEDIUM"}}, {"reboot": {}},
                 {"os-stop": None, "os-start": None}):
        code, answer, _ = _act(cloud, server, body)
        assert code == 400 and "badRequest" in answer, body


def test_other_projects_server_is_404_admin_may_act(cloud, server):
    code, body = cloud.admin.post("/servers", {"server": {
        "name": "adm", "imageRef": cloud.image_id(), "flavorRef": "1", "networks": "none"}})
    assert code == 202
    sid = body["server"]["id"]
    cloud.wait_status(cloud.admin, sid, "ACTIVE")
    assert _act(cloud, sid, {"os-stop": None})[0] == 404
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 404
    assert cloud.demo.get(f"/servers/{sid}/os-instance-actions")[0] == 404
    # An admin acts on the demo project's server.
    assert _act(cloud, server, {"os-stop": None}, api=cloud.admin)[0] == 202
    cloud.wait_status(cloud.demo, server, "SHUTOFF")
    assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)


def test_delete_while_building_and_usage_back_to_zero(cloud):
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "quick", "imageRef": cloud.image_id(), "flavorRef": "1",
        "networks": "none"}})
    assert code == 202
    sid = body["server"]["id"]
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()
