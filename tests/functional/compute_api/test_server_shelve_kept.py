"""shelve with ``shelved_offload_time`` > 0: the server stays SHELVED on its
host (allocations held) until an admin's shelveOffload or the host's
periodic offload; an unshelve before that powers it on where it is."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import DEMO_PROJECT, booted_server, module_cloud

pytestmark = pytest.mark.slow
OFFLOAD_AFTER = 3


cloud = module_cloud("shelve-kept",
                     overrides={"DEFAULT": {"shelved_offload_time": OFFLOAD_AFTER}})
server = booted_server("kept", no_usage_after=True)


def _act(api, sid, body, **kw):
    return api.post(f"/servers/{sid}/action", body, **kw)


def test_shelved_in_place_then_unshelved_there(cloud, server):
    host = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    assert _act(cloud.demo, server, {"shelve": None})[0] == 202
    shown = cloud.wait_status(cloud.admin, server, "SHELVED")
    assert shown["OS-EXT-SRV-ATTR:host"] == host and shown["OS-EXT-STS:power_state"] == 4
    assert cloud.allocations(server)
    # A zone is only for offloaded servers.
    code, _ = _act(cloud.demo, server, {"unshelve": {"availability_zone": "nova"}},
                   version="2.77")
    assert code == 409
    assert _act(cloud.demo, server, {"unshelve": None})[0] == 202
    shown = cloud.wait_status(cloud.admin, server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == host


def test_admin_offloads_a_shelved_server(cloud, server):
    assert _act(cloud.demo, server, {"shelve": None})[0] == 202
    cloud.wait_status(cloud.admin, server, "SHELVED")
    assert _act(cloud.admin, server, {"shelveOffload": None})[0] == 202
    shown = cloud.wait_status(cloud.admin, server, "SHELVED_OFFLOADED")
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert cloud.allocations(server) == {}
    assert "shelveOffload" in [a["action"] for a in cloud.admin.get(
        f"/servers/{server}/os-instance-actions")[1]["instanceActions"]]


def test_host_offloads_after_the_interval(cloud, server):
    assert _act(cloud.demo, server, {"shelve": None})[0] == 202
    cloud.wait_status(cloud.admin, server, "SHELVED")
    started = time.monotonic()
    cloud.wait_status(cloud.admin, server, "SHELVED_OFFLOADED", timeout=OFFLOAD_AFTER * 4)
    assert time.monotonic() - started >= OFFLOAD_AFTER - 1.5
    assert cloud.allocations(server) == {}


def test_deleting_a_shelved_server_deletes_its_image(cloud):
    sid = cloud.boot("kept-gone")
    assert _act(cloud.admin, sid, {"shelve": None})[0] == 202
    cloud.wait_status(cloud.admin, sid, "SHELVED")
    listed = requests.get(cloud.embedded.urls["image"] + "/v2/images",
                          params={"name": "kept-gone-shelved"},
                          headers={"X-Auth-Token": cloud.demo_token}, timeout=30).json()
    (image,) = listed["images"]
    assert image["owner"] == DEMO_PROJECT
    image_id = image["id"]
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)
    resp = requests.get(cloud.embedded.urls["image"] + f"/v2/images/{image_id}",
                        headers={"X-Auth-Token": cloud.admin_token}, timeout=30)
    assert resp.status_code == 404
