"""os-availability-zone: zones from aggregates, the default zone, the
internal zone, and the admin detail with hosts and services."""
from __future__ import annotations

import pytest


@pytest.fixture
def zoned(cloud):
    d = cloud.deployment
    d.add_compute_host("cell1", "h1")
    d.add_compute_host("cell2", "h2", seen_ago=3600)               # enabled, down
    d.add_compute_host("cell2", "h3", disabled=True)
    d.add_service("cell1", "ctl", "nova-conductor")
    d.add_service("cell1", "ctl", "nova-scheduler")
    for name, az, host in (("a1", "az1", "h1"), ("a2", "az2", "h3")):
        agg = cloud.api.post("/os-aggregates", json={"aggregate": {
            "name": name, "availability_zone": az}}).json["aggregate"]
        assert cloud.api.post(f"/os-aggregates/{agg['id']}/action",
                              json={"add_host": {"host": host}}).status == 200
    # A zone with no hosts is not a zone anyone can use.
    cloud.api.post("/os-aggregates", json={"aggregate": {"name": "empty",
                                                         "availability_zone": "az9"}})


def test_list(cloud, zoned):
    resp = cloud.api.get("/os-availability-zone")
    assert resp.status == 200, resp
    assert resp.json == {"availabilityZoneInfo": [
        {"zoneName": "az1", "zoneState": {"available": True}, "hosts": None},
        {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None},
        {"zoneName": "az2", "zoneState": {"available": False}, "hosts": None},
    ]}


def test_any_user_may_list_but_only_admins_see_detail(cloud, zoned):
    user = cloud.api.as_user()
    assert user.get("/os-availability-zone").status == 200
    assert user.get("/os-availability-zone/detail").status == 403


def test_detail(cloud, zoned):
    resp = cloud.api.get("/os-availability-zone/detail")
    assert resp.status == 200, resp
    zones = {z["zoneName"]: z for z in resp.json["availabilityZoneInfo"]}
    assert list(zones) == ["az1", "internal", "nova", "az2"]
    h1 = zones["az1"]["hosts"]["h1"]["nova-compute"]
    assert h1["available"] is True and h1["active"] is True
    assert h1["updated_at"].count(".") == 1
    assert zones["nova"]["hosts"]["h2"]["nova-compute"]["available"] is False
    assert set(zones["internal"]["hosts"]["ctl"]) == {"nova-conductor", "nova-scheduler"}
    assert zones["az2"] == {"zoneName": "az2", "zoneState": {"available": False},
                            "hosts": None}


def test_configured_zone_names(cloud, zoned):
    conf = cloud.state.conf
    conf.set_override("default_availability_zone", "zone-x")
    conf.set_override("internal_service_availability_zone", "backstage")
    try:
        zones = [z["zoneName"] for z in
                 cloud.api.get("/os-availability-zone/detail").json["availabilityZoneInfo"]]
        assert zones == ["az1", "backstage", "zone-x", "az2"]
    finally:
        conf.clear_override("default_availability_zone")
        conf.clear_override("internal_service_availability_zone")


def test_no_services_no_zones(cloud):
    assert cloud.api.get("/os-availability-zone").json == {"availabilityZoneInfo": []}
