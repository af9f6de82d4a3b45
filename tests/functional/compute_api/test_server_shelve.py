"""shelve / unshelve with the default ``shelved_offload_time`` 0 (the shelve
offloads at once), through real HTTP on a whole embedded cloud: an
offloaded server holds no allocation and has no host; unshelve schedules
and claims again (2.77 zone, 2.91 host), and a failed unshelve leaves it
offloaded with nothing claimed."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import booted_server, module_cloud

pytestmark = pytest.mark.slow


cloud = module_cloud("shelve", hosts_per_cell=2)
server = booted_server("sh", no_usage_after=True)


def _act(api, sid, body, **kw):
    return api.post(f"/servers/{sid}/action", body, **kw)


def _images(cloud, name):
    return requests.get(cloud.embedded.urls["image"] + "/v2/images", params={"name": name},
                        headers={"X-Auth-Token": cloud.demo_token}, timeout=30
                        ).json()["images"]


def _shelve_offloaded(cloud, sid):
    assert _act(cloud.demo, sid, {"shelve": None})[0] == 202
    shown = cloud.wait_status(cloud.admin, sid, "SHELVED_OFFLOADED")
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert shown["OS-EXT-STS:task_state"] is None
    assert cloud.allocations(sid) == {}
    return shown


def test_shelve_offloads_and_unshelve_claims_again(cloud, server):
    name = _shelve_offloaded(cloud, server)["name"]
    code, body = _act(cloud.demo, server, {"shelve": None})
    assert code == 409 and "vm_state shelved_offloaded" in body["conflictingRequest"]["message"]
    (snapshot,) = _images(cloud, f"{name}-shelved")
    assert _act(cloud.demo, server, {"unshelve": None})[0] == 202
    shown = cloud.wait_status(cloud.admin, server, "ACTIVE")
    # The guest is made of the shelve's snapshot, which is then deleted.
    console = cloud.demo.post(f"/servers/{server}/action",
                              {"os-getConsoleOutput": {}})[1]["output"]
    assert console.rstrip().endswith(f"from its disk image {snapshot['id']}")
    deadline = time.monotonic() + 30
    while _images(cloud, f"{name}-shelved") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _images(cloud, f"{name}-shelved") == []
    assert shown["OS-EXT-SRV-ATTR:host"]
    allocations = cloud.allocations(server)
    assert sum(a.get("VCPU", 0) for a in allocations.values()) == 1
    actions = [a["action"] for a in cloud.demo.get(
        f"/servers/{server}/os-instance-actions")[1]["instanceActions"]]
    assert actions[:2] == ["unshelve", "shelve"]
    assert _act(cloud.demo, server, {"unshelve": None})[0] == 409


def test_unshelve_to_a_host_is_for_admins(cloud, server):
    _shelve_offloaded(cloud, server)
    hosts = sorted(s["host"] for s in cloud.admin.get("/os-services?binary=nova-compute")[1]
                   ["services"])
    code, body = _act(cloud.demo, server, {"unshelve": {"host": hosts[1]}}, version="2.91")
    assert code == 403 and "unshelve_to_host" in body["forbidden"]["message"]
    assert _act(cloud.admin, server, {"unshelve": {"host": "nowhere"}},
                version="2.91")[0] == 400
    # Below 2.91 a host is not part of the body.
    assert _act(cloud.admin, server, {"unshelve": {"host": hosts[1]}},
                version="2.90")[0] == 400
    assert _act(cloud.admin, server, {"unshelve": {"availability_zone": "atlantis"}},
                version="2.77")[0] == 400
    for target in hosts:
        assert _act(cloud.admin, server, {"unshelve": {"host": target}},
                    version="2.91")[0] == 202
        assert cloud.wait_status(cloud.admin, server, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == target
        if target != hosts[-1]:
            _shelve_offloaded(cloud, server)


def test_failed_unshelve_stays_offloaded_without_claims(cloud, server):
    _shelve_offloaded(cloud, server)
    services = cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
    for svc in services:
        assert cloud.admin.put(f"/os-services/{svc['id']}", {"status": "disabled"},
                               version="2.53")[0] == 200
    try:
        assert _act(cloud.demo, server, {"unshelve": None})[0] == 202
        action = cloud.wait_action_done(server, "unshelve")
        assert action["events"][0]["result"] == "Error"
        shown = cloud.admin.get(f"/servers/{server}")[1]["server"]
        assert shown["status"] == "SHELVED_OFFLOADED"
        assert shown["OS-EXT-STS:task_state"] is None
        assert cloud.allocations(server) == {}
    finally:
        for svc in services:
            cloud.admin.put(f"/os-services/{svc['id']}", {"status": "enabled"},
                            version="2.53")
    assert _act(cloud.demo, server, {"unshelve": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")


def test_shelve_offload_is_admin_only_and_needs_shelved(cloud, server):
    code, body = _act(cloud.demo, server, {"shelveOffload": None})
    assert code == 403
    code, body = _act(cloud.admin, server, {"shelveOffload": None})
    assert code == 409 and "vm_state active" in body["conflictingRequest"]["message"]
    assert _act(cloud.demo, server, {"os-stop": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "SHUTOFF")
    _shelve_offloaded(cloud, server)
    assert _act(cloud.demo, server, {"unshelve": None})[0] == 202
    cloud.wait_status(cloud.demo, server, "ACTIVE")
