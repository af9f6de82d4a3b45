"""os-services across cells: list, update (2.53 and the older actions),
force down, delete with its clean-up in placement and the API database."""
from __future__ import annotations

import pytest

from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.common.timeutils import utcnow

UNKNOWN_UUID = "99999999-9999-4999-8999-999999999999"


@pytest.fixture
def hosts(cloud):
    d = cloud.deployment
    return {
        "h1": d.add_compute_host("cell1", "h1"),
        "h2": d.add_compute_host("cell2", "h2", disabled=True, disabled_reason="maint"),
        "cond1": d.add_service("cell1", "ctl", "nova-conductor"),
        "sched": d.add_service("cell2", "ctl", "nova-scheduler", seen_ago=3600),
    }


def _by_host_binary(resp):
    return {(s["host"], s["binary"]): s for s in resp.json["services"]}


def test_list_merges_every_cell(cloud, hosts):
    resp = cloud.api.get("/os-services")
    assert resp.status == 200, resp
    found = _by_host_binary(resp)
    assert set(found) == {("h1", "nova-compute"), ("h2", "nova-compute"),
                          ("ctl", "nova-conductor"), ("ctl", "nova-scheduler")}
    h1 = found[("h1", "nova-compute")]
    assert h1["id"] == hosts["h1"]["uuid"]
    assert (h1["status"], h1["state"], h1["zone"]) == ("enabled", "up", "nova")
    assert h1["forced_down"] is False and h1["disabled_reason"] is None
    assert h1["updated_at"].count(".") == 1           # 2024-01-01T00:00:00.000000
    h2 = found[("h2", "nova-compute")]
    assert (h2["status"], h2["disabled_reason"]) == ("disabled", "maint")
    assert found[("ctl", "nova-conductor")]["zone"] == "internal"
    assert found[("ctl", "nova-scheduler")]["state"] == "down"   # silent for an hour


def test_down_time_is_configurable_and_never_seen_is_down(cloud):
    cloud.deployment.add_compute_host("cell1", "late", seen_ago=90)
    cloud.deployment.add_compute_host("cell1", "never", seen_ago=None)
    found = _by_host_binary(cloud.api.get("/os-services"))
    assert found[("late", "nova-compute")]["state"] == "down"      # default 60 s
    assert found[("never", "nova-compute")]["state"] == "down"
    cloud.state.conf.set_override("service_down_time", 120)
    try:
        found = _by_host_binary(cloud.api.get("/os-services"))
        assert found[("late", "nova-compute")]["state"] == "up"
    finally:
        cloud.state.conf.clear_override("service_down_time")


def test_filters(cloud, hosts):
    def listed(**params):
        resp = cloud.api.get("/os-services", params=params)
        assert resp.status == 200, resp
        return sorted((s["host"], s["binary"]) for s in resp.json["services"])

    assert listed(host="ctl") == [("ctl", "nova-conductor"), ("ctl", "nova-scheduler")]
    assert listed(binary="nova-compute") == [("h1", "nova-compute"), ("h2", "nova-compute")]
    assert listed(host="ctl", binary="nova-scheduler") == [("ctl", "nova-scheduler")]
    assert listed(host="nowhere") == []


def test_zone_comes_from_aggregates(cloud, hosts):
    agg = cloud.api.post("/os-aggregates", json={"aggregate": {"name": "a",
                                                               "availability_zone": "az1"}})
    cloud.api.post(f"/os-aggregates/{agg.json['aggregate']['id']}/action",
                   json={"add_host": {"host": "h1"}})
    found = _by_host_binary(cloud.api.get("/os-services"))
    assert found[("h1", "nova-compute")]["zone"] == "az1"
    assert found[("h2", "nova-compute")]["zone"] == "nova"


def test_fields_by_microversion(cloud, hosts):
    old = _by_host_binary(cloud.api.get("/os-services", version="2.10"))
    assert isinstance(old[("h1", "nova-compute")]["id"], int)
    assert "forced_down" not in old[("h1", "nova-compute")]
    mid = _by_host_binary(cloud.api.get("/os-services", version="2.11"))
    assert mid[("h1", "nova-compute")]["forced_down"] is False
    assert isinstance(mid[("h1", "nova-compute")]["id"], int)
    new = _by_host_binary(cloud.api.get("/os-services", version="2.53"))
    assert new[("h1", "nova-compute")]["id"] == hosts["h1"]["uuid"]


def test_down_cell_is_reported_from_2_69_and_skipped_before(cloud, hosts):
    dead = cloud.deployment.add_dead_cell()
    cloud.deployment.api_db.write(lambda conn: conn.execute(
        api_models.host_mappings.insert().values(cell_id=dead.id, host="ghost",
                                                 created_at=utcnow())))
    cloud.refresh_cells()
    before = cloud.api.get("/os-services", version="2.68")
    assert before.status == 200, before
    assert len(before.json["services"]) == 4
    after = cloud.api.get("/os-services", version="2.69")
    assert after.status == 200, after
    assert {"binary": "nova-compute", "host": "ghost", "status": "UNKNOWN"} \
        in after.json["services"]
    assert len(after.json["services"]) == 5
    # Filters apply to what is known of the down cell too.
    assert cloud.api.get("/os-services", version="2.69",
                         params={"binary": "nova-conductor"}).json["services"][0]["host"] == "ctl"
    assert len(cloud.api.get("/os-services", version="2.69",
                             params={"host": "h1"}).json["services"]) == 1


# --- PUT /os-services/{uuid} (2.53+) ----------------------------------------------

def _put(cloud, uuid, body, version="2.53"):
    return cloud.api.put(f"/os-services/{uuid}", json=body, version=version)


def test_disable_with_reason_then_enable(cloud, hosts):
    uuid = hosts["h1"]["uuid"]
    resp = _put(cloud, uuid, {"status": "disabled", "disabled_reason": "patching"})
    assert resp.status == 200, resp
    service = resp.json["service"]
    assert (service["id"], service["status"], service["disabled_reason"]) == \
        (uuid, "disabled", "patching")
    assert service["zone"] == "nova" and service["state"] == "up"
    resp = _put(cloud, uuid, {"status": "enabled"})
    assert resp.json["service"]["status"] == "enabled"
    assert resp.json["service"]["disabled_reason"] is None
    row = cloud.deployment.live("cell1", cell_models.services)[0]
    assert not row.disabled and row.disabled_reason is None


def test_force_down_and_up(cloud, hosts):
    uuid = hosts["h2"]["uuid"]
    resp = _put(cloud, uuid, {"forced_down": True})
    assert resp.status == 200, resp
    assert resp.json["service"]["forced_down"] is True
    assert resp.json["service"]["state"] == "down"
    assert resp.json["service"]["status"] == "disabled"       # untouched
    resp = _put(cloud, uuid, {"forced_down": "false"})
    assert resp.json["service"]["forced_down"] is False
    assert resp.json["service"]["state"] == "up"


@pytest.mark.parametrize("body, message", [
    ({}, "No updates were requested"),
    ({"disabled_reason": "x"}, "disabled_reason"),
    ({"status": "enabled", "disabled_reason": "x"}, "disabled_reason"),
    ({"status": "paused"}, "status"),
    ({"status": "disabled", "disabled_reason": ""}, "disabled_reason"),
    ({"status": "disabled", "disabled_reason": "x" * 256}, "disabled_reason"),
    ({"forced_down": "maybe"}, "forced_down"),
    ({"status": "disabled", "host": "h1"}, "host"),
    ([], "Invalid input"),
])
def test_bad_update_bodies_are_400_and_change_nothing(cloud, hosts, body, message):
    before = cloud.deployment.rows("cell1", cell_models.services)
    resp = _put(cloud, hosts["h1"]["uuid"], body)
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"
    assert message in resp.message
    assert cloud.deployment.rows("cell1", cell_models.services) == before


def test_update_errors(cloud, hosts):
    assert _put(cloud, "not-a-uuid", {"status": "disabled"}).status == 400
    missing = _put(cloud, UNKNOWN_UUID, {"status": "disabled"})
    assert missing.status == 404 and missing.fault[0] == "itemNotFound"
    conductor = _put(cloud, hosts["cond1"]["uuid"], {"status": "disabled"})
    assert conductor.status == 400
    assert "Only nova-compute services can be updated" in conductor.message
    malformed = cloud.api.put(f"/os-services/{hosts['h1']['uuid']}", version="2.53",
                              data=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status == 400 and "Malformed" in malformed.message
    no_body = cloud.api.put(f"/os-services/{hosts['h1']['uuid']}", version="2.53")
    assert no_body.status == 400
    form = cloud.api.put(f"/os-services/{hosts['h1']['uuid']}", version="2.53", data="a=b",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status == 415 and form.fault[0] == "badMediaType"


# --- the actions before 2.53 ---------------------------------------------------------

def test_legacy_disable_enable_and_force_down(cloud, hosts):
    body = {"host": "h1", "binary": "nova-compute"}
    resp = cloud.api.put("/os-services/disable", json=body, version="2.1")
    assert resp.status == 200, resp
    assert resp.json == {"service": {"host": "h1", "binary": "nova-compute",
                                     "status": "disabled"}}
    resp = cloud.api.put("/os-services/disable-log-reason", version="2.1",
                         json={**body, "disabled_reason": "why"})
    assert resp.json["service"] == {"host": "h1", "binary": "nova-compute",
                                    "status": "disabled", "disabled_reason": "why"}
    resp = cloud.api.put("/os-services/enable", json=body, version="2.52")
    assert resp.json["service"]["status"] == "enabled"
    resp = cloud.api.put("/os-services/force-down", json={**body, "forced_down": True},
                         version="2.11")
    assert resp.json == {"service": {"host": "h1", "binary": "nova-compute",
                                     "forced_down": True}}
    # Older binaries may still be toggled before 2.53.
    resp = cloud.api.put("/os-services/disable", version="2.1",
                         json={"host": "ctl", "binary": "nova-conductor"})
    assert resp.status == 200, resp


def test_legacy_action_errors(cloud, hosts):
    body = {"host": "h1", "binary": "nova-compute"}
    assert cloud.api.put("/os-services/force-down", json={**body, "forced_down": True},
                         version="2.10").status == 404
    assert cloud.api.put("/os-services/reboot", json=body, version="2.1").status == 404
    missing = cloud.api.put("/os-services/disable", version="2.1",
                            json={"host": "nowhere", "binary": "nova-compute"})
    assert missing.status == 404 and "nowhere" in missing.message
    assert cloud.api.put("/os-services/disable", json={"host": "h1"},
                         version="2.1").status == 400
    assert cloud.api.put("/os-services/disable-log-reason", json=body,
                         version="2.1").status == 400
    # From 2.53 the action names are not uuids.
    assert cloud.api.put("/os-services/disable", json=body, version="2.53").status == 400


# --- DELETE ------------------------------------------------------------------------------

def _provider(cloud, uuid: str, name: str) -> None:
    cloud.placement.create_provider(name, uuid=uuid)
    cloud.placement.set_inventory(uuid, {"VCPU": 8, "MEMORY_MB": 16384})


def test_delete_refused_while_hosting_instances(cloud, hosts):
    node = hosts["h1"]["nodes"][0]
    _provider(cloud, node, "h1")
    cloud.deployment.add_instance("cell1", "h1")
    resp = cloud.api.delete(f"/os-services/{hosts['h1']['uuid']}", version="2.53")
    assert resp.status == 409, resp
    assert resp.fault[0] == "conflictingRequest"
    assert "hosting instances" in resp.message
    assert len(cloud.deployment.live("cell1", cell_models.services)) == 2
    assert len(cloud.deployment.live("cell1", cell_models.compute_nodes)) == 1
    assert cloud.placement.get(f"/resource_providers/{node}").status == 200
    assert len(cloud.deployment.rows("api", api_models.host_mappings)) == 2


def test_delete_refused_while_placement_has_allocations(cloud, hosts):
    # E.g. a migration still holds resources on the node: placement refuses
    # to delete the provider, and nothing else is touched.
    node = hosts["h1"]["nodes"][0]
    _provider(cloud, node, "h1")
    resp = cloud.placement.put("/allocations/77777777-7777-4777-8777-777777777777",
                               version="1.28", json={
                                   "allocations": {node: {"resources": {"VCPU": 1}}},
                                   "project_id": "p1", "user_id": "u1",
                                   "consumer_generation": None})
    assert resp.status == 204, resp
    resp = cloud.api.delete(f"/os-services/{hosts['h1']['uuid']}", version="2.53")
    assert resp.status == 409, resp
    assert node in resp.message
    assert len(cloud.deployment.live("cell1", cell_models.services)) == 2
    assert len(cloud.deployment.live("cell1", cell_models.compute_nodes)) == 1
    assert len(cloud.deployment.rows("api", api_models.host_mappings)) == 2


def test_delete_compute_service_cleans_up_everywhere(cloud, hosts):
    d = cloud.deployment
    node = hosts["h1"]["nodes"][0]
    _provider(cloud, node, "h1")
    child = "c0c0c0c0-0000-4000-8000-00000000c0c0"
    cloud.placement.create_provider("h1-vgpu", uuid=child, parent=node)
    d.add_instance("cell1", "h1", deleted=True)          # deleted ones do not count
    agg = cloud.api.post("/os-aggregates", json={"aggregate": {"name": "a"}}).json["aggregate"]
    assert cloud.api.post(f"/os-aggregates/{agg['id']}/action",
                          json={"add_host": {"host": "h1"}}).status == 200

    resp = cloud.api.delete(f"/os-services/{hosts['h1']['uuid']}", version="2.53")
    assert resp.status == 204, resp
    assert resp.text == ""
    assert [r.binary for r in d.live("cell1", cell_models.services)] == ["nova-conductor"]
    assert d.live("cell1", cell_models.compute_nodes) == []
    assert cloud.placement.get(f"/resource_providers/{node}").status == 404
    assert cloud.placement.get(f"/resource_providers/{child}").status == 404
    assert [m.host for m in d.rows("api", api_models.host_mappings)] == ["h2"]
    assert cloud.api.get(f"/os-aggregates/{agg['id']}").json["aggregate"]["hosts"] == []
    assert ("h1", "nova-compute") not in _by_host_binary(cloud.api.get("/os-services"))
    assert cloud.api.delete(f"/os-services/{hosts['h1']['uuid']}",
                            version="2.53").status == 404


def test_delete_other_services(cloud, hosts):
    resp = cloud.api.delete(f"/os-services/{hosts['sched']['uuid']}", version="2.53")
    assert resp.status == 204, resp
    assert cloud.deployment.live("cell2", cell_models.services)[0].binary == "nova-compute"


def test_delete_by_integer_id_before_2_53(cloud):
    d = cloud.deployment
    d.add_service("cell1", "dup1", "nova-scheduler", service_id=9001)
    d.add_service("cell2", "dup2", "nova-scheduler", service_id=9001)
    only = d.add_service("cell2", "solo", "nova-scheduler", service_id=9002)
    ambiguous = cloud.api.delete("/os-services/9001", version="2.52")
    assert ambiguous.status == 400 and "2.53" in ambiguous.message
    assert cloud.api.delete("/os-services/abc", version="2.52").status == 400
    assert cloud.api.delete("/os-services/424242", version="2.52").status == 404
    assert cloud.api.delete(f"/os-services/{only['id']}", version="2.52").status == 204
    assert cloud.api.delete(f"/os-services/{only['uuid']}", version="2.52").status == 400
    assert cloud.api.delete("/os-services/9001", version="2.53").status == 400


def test_non_admins_are_refused_and_nothing_changes(cloud, hosts):
    user = cloud.api.as_user()
    assert user.get("/os-services").status == 403
    resp = user.put(f"/os-services/{hosts['h1']['uuid']}", json={"status": "disabled"})
    assert resp.status == 403 and resp.fault[0] == "forbidden"
    assert user.delete(f"/os-services/{hosts['h1']['uuid']}").status == 403
    assert not cloud.deployment.live("cell1", cell_models.services)[0].disabled
    assert len(cloud.deployment.live("cell1", cell_models.services)) == 2
