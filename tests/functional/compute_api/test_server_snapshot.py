"""createImage and createBackup (with rotation), and the snapshot a shelve
keeps, through real HTTP on a whole embedded cloud: the image API ends up
with an active image holding the fake guest's disk data."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import booted_server, module_cloud

pytestmark = pytest.mark.slow


cloud = module_cloud("snapshots")
server = booted_server("snap")


def _image_api(cloud, method, path, token=None, **kw):
    return requests.request(method, cloud.embedded.urls["image"] + path,
                            headers={"X-Auth-Token": token or cloud.demo_token}, timeout=30,
                            **kw)


def _wait_image(cloud, image_id, status="active", timeout=30.0, token=None) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        resp = _image_api(cloud, "GET", f"/v2/images/{image_id}", token=token)
        if resp.status_code == 200 and resp.json()["status"] == status:
            return resp.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"image {image_id}: {resp.status_code} {resp.text}")
        time.sleep(0.05)


def _wait_idle(cloud, sid):
    deadline = time.monotonic() + 30
    while cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-STS:task_state"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_create_image_uploads_the_disk(cloud, server):
    code, body = cloud.demo.post(f"/servers/{server}/action", {"createImage": {
        "name": "snap-1", "metadata": {"purpose": "test"}}})
    assert code == 202, body
    image_id = body["image_id"]
    image = _wait_image(cloud, image_id)
    assert image["name"] == "snap-1" and image["size"] > 0
    assert image["image_type"] == "snapshot" and image["instance_uuid"] == server
    assert image["purpose"] == "test" and image["owner"] == "demo-project"
    data = _image_api(cloud, "GET", f"/v2/images/{image_id}/file").content
    assert data.startswith(f"NUBES-FAKE-DISK {server}".encode())
    _wait_idle(cloud, server)
    action = cloud.wait_action_done(server, "createImage")
    assert [e["event"] for e in action["events"]] == ["compute_snapshot_instance"]
    assert action["events"][0]["result"] == "Success"


def test_create_image_before_245_answers_a_location(cloud, server):
    code, body = cloud.demo.post(f"/servers/{server}/action",
                                 {"createImage": {"name": "old-style"}}, version="2.44")
    assert code == 202 and body is None
    location = cloud.demo.last_headers["Location"]
    image_id = location.rsplit("/", 1)[1]
    assert location == f"{cloud.embedded.urls['image']}/images/{image_id}"
    _wait_image(cloud, image_id)
    _wait_idle(cloud, server)


def test_backup_rotation_keeps_the_newest(cloud, server):
    made = []
    for i in range(3):
        code, body = cloud.demo.post(f"/servers/{server}/action", {"createBackup": {
            "name": f"daily-{i}", "backup_type": "daily", "rotation": 2}})
        assert code == 202, body
        made.append(body["image_id"])
        _wait_idle(cloud, server)
        cloud.wait_action_done(server, "createBackup")
        time.sleep(1.05)    # image times have whole seconds: rotation sorts by them
    # Rotation runs after the upload: the oldest goes.
    deadline = time.monotonic() + 30
    while _image_api(cloud, "GET", f"/v2/images/{made[0]}").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for image_id in made[1:]:
        assert _wait_image(cloud, image_id)["backup_type"] == "daily"
    code, body = cloud.demo.post(f"/servers/{server}/action", {"createBackup": {
        "name": "weekly", "backup_type": "weekly", "rotation": "0"}}, version="2.44")
    assert code == 202 and "Location" not in cloud.demo.last_headers


def test_bad_bodies_and_states(cloud, server):
    for body in ({"createImage": {}}, {"createImage": {"name": " x"}},
                 {"createImage": {"name": "x", "metadata": {"a/b": "c"}}},
                 {"createImage": {"name": "x", "extra": 1}},
                 {"createBackup": {"name": "x", "backup_type": "d"}},
                 {"createBackup": {"name": "x", "backup_type": "d", "rotation": -1}},
                 {"createBackup": {"name": "x", "backup_type": "d", "rotation": "1x"}}):
        code, answer = cloud.demo.post(f"/servers/{server}/action", body)
        assert code == 400, (body, answer)
    assert cloud.demo.post(f"/servers/{server}/action", {"pause": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "PAUSED")
    assert cloud.demo.post(f"/servers/{server}/action", {"createImage": {
        "name": "paused"}})[0] == 202
    _wait_idle(cloud, server)
    assert cloud.demo.post(f"/servers/{server}/action", {"unpause": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")


def test_failed_upload_deletes_the_image_and_keeps_the_server(cloud, server):
    driver = cloud.embedded.agents[0].driver
    driver.hooks.fail("snapshot", times=1)
    code, body = cloud.demo.post(f"/servers/{server}/action",
                                 {"createImage": {"name": "doomed"}})
    assert code == 202
    action = cloud.wait_action_done(server, "createImage")
    assert action["events"][0]["result"] == "Error"
    assert _image_api(cloud, "GET", f"/v2/images/{body['image_id']}").status_code == 404
    shown = cloud.demo.get(f"/servers/{server}")[1]["server"]
    assert shown["status"] == "ACTIVE" and shown["OS-EXT-STS:task_state"] is None


def test_shelve_keeps_a_snapshot_until_unshelve(cloud, server):
    assert cloud.demo.post(f"/servers/{server}/action", {"shelve": None})[0] == 202
    cloud.wait_status(cloud.admin, server, "SHELVED_OFFLOADED")
    listed = _image_api(cloud, "GET", "/v2/images", params={"name": "snap-shelved"}).json()
    (image,) = listed["images"]
    assert image["status"] == "active" and image["instance_uuid"] == server
    assert cloud.demo.post(f"/servers/{server}/action", {"unshelve": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    deadline = time.monotonic() + 30
    while _image_api(cloud, "GET", f"/v2/images/{image['id']}").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_openstack_cli_server_actions(cloud):
    """The real CLI through each action family: pause, suspend, lock,
    rescue, console log, image create, backup, shelve."""
    run = cloud.openstack

    def status():
        return cloud.admin.get(f"/servers/{sid}")[1]["server"]["status"]

    sid = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none",
              "cli-acts", "--wait", "-f", "json")["id"]
    try:
        for verb, undo, shown in (("pause", "unpause", "PAUSED"),
                                  ("suspend", "resume", "SUSPENDED"),
                                  ("rescue", "unrescue", "RESCUE")):
            run("server", verb, sid)
            cloud.wait_status(cloud.admin, sid, shown)
            run("server", undo, sid)
            cloud.wait_status(cloud.admin, sid, "ACTIVE")
        run("server", "lock", "--reason", "cli", sid)
        assert cloud.admin.get(f"/servers/{sid}")[1]["server"]["locked_reason"] == "cli"
        run("server", "unlock", sid)
        assert "booted" in run("console", "log", "show", sid)
        image = run("server", "image", "create", "--name", "cli-snap", "--wait", sid,
                    "-f", "json")
        assert image["name"] == "cli-snap"
        assert _wait_image(cloud, image["id"], token=cloud.admin_token)["instance_uuid"] == sid
        run("server", "backup", "create", "--name", "cli-bak", "--type", "daily",
            "--rotate", "1", "--wait", sid)
        _wait_idle(cloud, sid)
        run("server", "shelve", sid)
        cloud.wait_status(cloud.admin, sid, "SHELVED_OFFLOADED")
        run("server", "unshelve", sid)
        cloud.wait_status(cloud.admin, sid, "ACTIVE")
        assert status() == "ACTIVE"
    finally:
        run("server", "delete", "--wait", sid)
