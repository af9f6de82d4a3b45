"""The shelve's snapshot image belongs to the server's project and goes
when the server runs again or is deleted, whoever shelved or unshelved it
(an admin shelving a member's server used to leave ``<name>-shelved``
owned by the admin's project, which the member's unshelve could not
delete)."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import DEMO_PROJECT, booted_server, module_cloud

pytestmark = pytest.mark.slow

cloud = module_cloud("shelve-owners")
server = booted_server("owned")


def _images(cloud, name: str) -> list[dict]:
    resp = requests.get(cloud.embedded.urls["image"] + "/v2/images", params={"name": name},
                        headers={"X-Auth-Token": cloud.admin_token}, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()["images"]


def _act(api, sid, body):
    code, answer = api.post(f"/servers/{sid}/action", body)
    assert code == 202, answer


def _shelved_image(cloud, sid, by) -> dict:
    _act(by, sid, {"shelve": None})
    cloud.wait_status(cloud.admin, sid, "SHELVED_OFFLOADED")
    (image,) = _images(cloud, "owned-shelved")
    assert image["owner"] == DEMO_PROJECT and image["instance_uuid"] == sid
    assert image["status"] == "active"
    return image


def _wait_image_gone(cloud, name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _images(cloud, name):
        assert time.monotonic() < deadline, f"image {name} was left behind"
        time.sleep(0.1)


@pytest.mark.parametrize("shelver,unshelver", [("admin", "demo"), ("demo", "admin"),
                                                ("admin", "admin")])
def test_unshelve_deletes_the_image_whoever_shelved(cloud, server, shelver, unshelver):
    _shelved_image(cloud, server, getattr(cloud, shelver))
    _act(getattr(cloud, unshelver), server, {"unshelve": None})
    cloud.wait_status(cloud.admin, server, "ACTIVE")
    _wait_image_gone(cloud, "owned-shelved")


@pytest.mark.parametrize("deleter", ["demo", "admin"])
def test_deleting_an_offloaded_server_deletes_its_image(cloud, deleter):
    sid = cloud.boot("owned")
    _shelved_image(cloud, sid, cloud.admin)
    assert getattr(cloud, deleter).delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)
    _wait_image_gone(cloud, "owned-shelved")
