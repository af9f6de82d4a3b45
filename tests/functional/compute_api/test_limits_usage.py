"""Counted quotas over real HTTP on a whole embedded cloud: GET /limits
shows what the project's servers use (accepted, ACTIVE, ERROR; freed on
delete), a server group refuses members past ``server_group_members``
(403), an unknown availability zone is a 400 with nothing written, and
concurrent creates never leave more live servers than the quota."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from nubes.cells.api_db import models as api_models
from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
INSTANCES = 4           # [quota] instances for this module
GROUP_MEMBERS = 2       # [quota] server_group_members
TINY = (1, 512)         # flavor "1" (m1.tiny): vcpus, ram


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("quotas") / "state"), overrides={
        "quota": {"instances": INSTANCES, "cores": -1, "ram": -1,
                  "server_group_members": GROUP_MEMBERS}})
    yield cloud
    cloud.stop()


@pytest.fixture
def image(cloud):
    return cloud.image_id()


_server = server_body


def _api_rows(cloud) -> int:
    return cloud.count_rows(api_models.build_requests, api_models.request_specs,
                            api_models.instance_mappings, api_models.instance_group_member)


def _used(api, **kw) -> tuple[int, int, int]:
    code, body = api.get("/limits", **kw)
    assert code == 200, body
    absolute = body["limits"]["absolute"]
    return absolute["totalInstancesUsed"], absolute["totalCoresUsed"], absolute["totalRAMUsed"]


def _delete_all(cloud, ids) -> None:
    for sid in ids:
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    for sid in ids:
        cloud.wait_gone(cloud.demo, sid)


def test_limits_count_servers_from_accept_to_delete(cloud, image):
    assert _used(cloud.demo) == (0, 0, 0)
    code, body = cloud.demo.post("/servers", _server(image, min_count=2, max_count=2,
                                                     return_reservation_id=True))
    assert code == 202, body
    # Counted from the moment they are accepted (build requests) ...
    assert _used(cloud.demo) == (2, 2 * TINY[0], 2 * TINY[1])
    ids = [s["id"] for s in cloud.demo.get(
        f"/servers?reservation_id={body['reservation_id']}")[1]["servers"]]
    for sid in ids:
        cloud.wait_status(cloud.demo, sid, "ACTIVE")
    # ... and as instances in their cells; admins see another project's.
    assert _used(cloud.demo) == (2, 2, 1024)
    assert _used(cloud.admin, version="2.1") == (0, 0, 0)
    code, body = cloud.admin.get(f"/limits?tenant_id={DEMO_PROJECT}")
    assert body["limits"]["absolute"]["totalInstancesUsed"] == 2
    _delete_all(cloud, ids[:1])
    assert _used(cloud.demo) == (1, 1, 512)
    _delete_all(cloud, ids[1:])
    assert _used(cloud.demo) == (0, 0, 0)
    cloud.wait_no_usage()


def test_error_servers_count_until_deleted(cloud, image):
    code, body = cloud.admin.post("/flavors", {"flavor": {
        "name": "huge", "ram": 256, "vcpus": 4096, "disk": 1, "id": "huge"}})
    assert code == 200, body
    code, body = cloud.demo.post("/servers", _server(image, flavorRef="huge"))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ERROR")        # no valid host: cell0
    assert _used(cloud.demo) == (1, 4096, 256)
    _delete_all(cloud, [sid])
    assert _used(cloud.demo) == (0, 0, 0)


def test_server_group_member_quota(cloud, image):
    code, body = cloud.demo.post("/os-server-groups", {"server_group": {
        "name": "g", "policy": "soft-affinity"}})
    assert code == 200, body
    group = body["server_group"]["id"]
    hints = {"os:scheduler_hints": {"group": group}}
    before = _api_rows(cloud)
    code, body = cloud.demo.post("/servers", {**_server(image, min_count=3, max_count=3),
                                              **hints})
    assert code == 403, body
    assert body["forbidden"]["message"] == "Quota exceeded, too many servers in group"
    assert _api_rows(cloud) == before           # nothing written

    code, body = cloud.demo.post("/servers", {**_server(image, min_count=2, max_count=2,
                                                        return_reservation_id=True),
                                              **hints})
    assert code == 202, body
    ids = [s["id"] for s in cloud.demo.get(
        f"/servers?reservation_id={body['reservation_id']}")[1]["servers"]]
    code, body = cloud.demo.post("/servers", {**_server(image), **hints})
    assert code == 403 and "too many servers in group" in body["forbidden"]["message"]
    # A deleted member frees its place.
    _delete_all(cloud, ids[:1])
    code, body = cloud.demo.post("/servers", {**_server(image), **hints})
    assert code == 202, body
    ids = ids[1:] + [body["server"]["id"]]
    for sid in ids:
        cloud.wait_status(cloud.demo, sid, "ACTIVE")
    members = cloud.demo.get(f"/os-server-groups/{group}")[1]["server_group"]["members"]
    assert set(ids) <= set(members)
    _delete_all(cloud, ids)
    cloud.wait_no_usage()


def test_unknown_availability_zone_is_400_and_writes_nothing(cloud, image):
    before = _api_rows(cloud)
    for zone in ("nowhere", "internal", "empty-az"):
        if zone == "empty-az":      # a zone on an aggregate with no host is not available
            code, body = cloud.admin.post("/os-aggregates", {"aggregate": {
                "name": "empty", "availability_zone": "empty-az"}})
            assert code == 200, body
        code, body = cloud.demo.post("/servers", _server(image, availability_zone=zone))
        assert code == 400, (zone, body)
        assert body["badRequest"]["message"] == \
            "The requested availability zone is not available"
        assert _api_rows(cloud) == before


def test_default_and_aggregate_zones_are_accepted(cloud, image):
    code, body = cloud.admin.post("/os-aggregates", {"aggregate": {
        "name": "a1", "availability_zone": "az1"}})
    assert code == 200, body
    agg = body["aggregate"]["id"]
    code, body = cloud.admin.post(f"/os-aggregates/{agg}/action",
                                  {"add_host": {"host": "cell2-compute1"}})
    assert code == 200, body
    ids = []
    for zone in ("nova", "az1"):
        code, body = cloud.demo.post("/servers", _server(image, availability_zone=zone))
        assert code == 202, (zone, body)
        ids.append(body["server"]["id"])
    shown = [cloud.wait_status(cloud.demo, sid, "ACTIVE") for sid in ids]
    assert shown[1]["OS-EXT-AZ:availability_zone"] == "az1"
    assert cloud.admin.get(f"/servers/{ids[1]}")[1]["server"][
        "OS-EXT-SRV-ATTR:host"] == "cell2-compute1"
    _delete_all(cloud, ids)
    code, _ = cloud.admin.post(f"/os-aggregates/{agg}/action",
                               {"remove_host": {"host": "cell2-compute1"}})
    assert code == 200
    assert cloud.admin.delete(f"/os-aggregates/{agg}")[0] == 200
    cloud.wait_no_usage()


def test_concurrent_creates_never_exceed_the_quota(cloud, image):
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda i: cloud.demo.post(
            "/servers", _server(image, name=f"race-{i}")), range(10)))
    accepted = [body["server"]["id"] for code, body in answers if code == 202]
    refused = [body for code, body in answers if code != 202]
    assert all(b["forbidden"]["message"].startswith("Quota exceeded for instances")
               for b in refused)
    assert len(accepted) >= INSTANCES       # the API check alone lets this many in
    shown = [cloud.wait_status(cloud.demo, sid, "ACTIVE", "ERROR") for sid in accepted]
    active = [s for s in shown if s["status"] == "ACTIVE"]
    assert len(active) <= INSTANCES
    for server in shown:
        if server["status"] == "ERROR":
            assert server["fault"]["code"] == 403
            assert server["fault"]["message"].startswith("Quota exceeded for instances")
    # ERROR servers hold no claim: placement shows exactly the ACTIVE ones.
    usages = cloud.provider_usages()
    assert sum(u.get("VCPU", 0) for u in usages.values()) == len(active)
    assert _used(cloud.demo)[0] == len(accepted)
    _delete_all(cloud, accepted)
    cloud.wait_no_usage()
