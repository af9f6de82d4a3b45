"""os-aggregates: CRUD, actions, zone rules, input validation, and the
mirror of host membership into placement aggregates."""
from __future__ import annotations

import pytest

from nubes.cells.api_db import models as api_models

OTHER_AGG = "0a0a0a0a-0000-4000-8000-0000000000aa"


@pytest.fixture
def computes(cloud):
    d = cloud.deployment
    return {"h1": d.add_compute_host("cell1", "h1", nodes=["h1-a", "h1-b"]),
            "h2": d.add_compute_host("cell2", "h2")}


def _create(cloud, name="agg1", az=None, version="2.96"):
    body = {"name": name}
    if az is not None:
        body["availability_zone"] = az
    resp = cloud.api.post("/os-aggregates", json={"aggregate": body}, version=version)
    assert resp.status == 200, resp
    return resp.json["aggregate"]


def _action(cloud, agg_id, action, args, version="2.96"):
    return cloud.api.post(f"/os-aggregates/{agg_id}/action", json={action: args},
                          version=version)


def _api_rows(cloud):
    return {t.name: cloud.deployment.rows("api", t)
            for t in (api_models.aggregates, api_models.aggregate_hosts,
                      api_models.aggregate_metadata)}


def test_create_show_list(cloud):
    created = _create(cloud, "agg1", "az1")
    assert set(created) == {"id", "name", "availability_zone", "created_at", "updated_at",
                            "deleted", "deleted_at", "uuid"}
    assert (created["name"], created["availability_zone"], created["deleted"]) == \
        ("agg1", "az1", False)
    assert isinstance(created["id"], int) and created["updated_at"] is None
    shown = cloud.api.get(f"/os-aggregates/{created['id']}").json["aggregate"]
    assert shown["hosts"] == [] and shown["metadata"] == {"availability_zone": "az1"}
    assert shown["uuid"] == created["uuid"]
    listed = cloud.api.get("/os-aggregates").json["aggregates"]
    assert [a["id"] for a in listed] == [created["id"]]
    assert "uuid" not in cloud.api.get(f"/os-aggregates/{created['id']}",
                                       version="2.40").json["aggregate"]
    no_zone = _create(cloud, "agg2", version="2.40")
    assert no_zone["availability_zone"] is None and "uuid" not in no_zone


def test_duplicate_name_is_409(cloud):
    _create(cloud, "agg1")
    before = _api_rows(cloud)
    resp = cloud.api.post("/os-aggregates", json={"aggregate": {"name": "agg1"}})
    assert resp.status == 409 and resp.fault[0] == "conflictingRequest"
    assert "agg1" in resp.message
    other = _create(cloud, "agg2")
    renamed = cloud.api.put(f"/os-aggregates/{other['id']}", json={"aggregate": {"name": "agg1"}})
    assert renamed.status == 409
    assert len(_api_rows(cloud)["aggregates"]) == len(before["aggregates"]) + 1


@pytest.mark.parametrize("body", [
    {},
    {"aggregate": {}},
    {"aggregate": {"name": ""}},
    {"aggregate": {"name": " padded"}},
    {"aggregate": {"name": "x" * 256}},
    {"aggregate": {"name": 7}},
    {"aggregate": {"name": "a", "availability_zone": "zone:one"}},
    {"aggregate": {"name": "a", "availability_zone": ""}},
    {"aggregate": {"name": "a", "colour": "blue"}},
    {"aggregate": {"name": "a"}, "extra": 1},
    ["aggregate"],
])
def test_bad_create_bodies_are_400_and_write_nothing(cloud, body):
    resp = cloud.api.post("/os-aggregates", json=body)
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest" and resp.message
    assert _api_rows(cloud)["aggregates"] == []


def test_update(cloud, computes):
    agg = _create(cloud, "agg1", "az1")
    resp = cloud.api.put(f"/os-aggregates/{agg['id']}",
                         json={"aggregate": {"name": "renamed", "availability_zone": "az2"}})
    assert resp.status == 200, resp
    updated = resp.json["aggregate"]
    assert (updated["name"], updated["availability_zone"]) == ("renamed", "az2")
    assert updated["updated_at"] is not None
    cleared = cloud.api.put(f"/os-aggregates/{agg['id']}",
                            json={"aggregate": {"availability_zone": None}})
    assert cleared.json["aggregate"]["availability_zone"] is None
    assert cleared.json["aggregate"]["metadata"] == {}
    for body in ({"aggregate": {}}, {"aggregate": {"uuid": "x"}}, {"name": "x"}):
        assert cloud.api.put(f"/os-aggregates/{agg['id']}", json=body).status == 400


NO_SUCH_IDS = ["4242", "-1", "0", "2147483648", "99999999999999999999",
               "999999999999999999999999999"]
NOT_IDS = ["abc", "1.5", "１", "1e3"]


def _every_route(cloud, bad) -> list:
    answers = [cloud.api.get(f"/os-aggregates/{bad}"),
               cloud.api.delete(f"/os-aggregates/{bad}"),
               cloud.api.put(f"/os-aggregates/{bad}", json={"aggregate": {"name": "n"}})]
    answers += [_action(cloud, bad, action, args) for action, args in (
        ("add_host", {"host": "h1"}), ("remove_host", {"host": "h1"}),
        ("set_metadata", {"metadata": {"k": "v"}}))]
    return answers


@pytest.mark.parametrize("bad", NO_SUCH_IDS)
def test_integers_naming_no_aggregate_are_404_everywhere(cloud, bad):
    """Negative, zero, past 32 bits: no aggregate, on every backend (no
    database error for ids the column cannot hold)."""
    message = f"Aggregate {bad} could not be found."
    for resp in _every_route(cloud, bad):
        assert resp.status == 404, resp
        assert resp.fault == ("itemNotFound", {"code": 404, "message": message}), resp


@pytest.mark.parametrize("bad", NOT_IDS)
def test_ids_that_are_not_integers_are_400_everywhere(cloud, bad):
    for resp in _every_route(cloud, bad):
        assert resp.status == 400, resp
        assert resp.fault == ("badRequest", {"code": 400, "message": (
            f"Invalid aggregate id '{bad}': must be an integer.")}), resp


def test_delete(cloud, computes):
    agg = _create(cloud, "agg1", "az1")
    assert _action(cloud, agg["id"], "add_host", {"host": "h1"}).status == 200
    refused = cloud.api.delete(f"/os-aggregates/{agg['id']}")
    assert refused.status == 400 and "not empty" in refused.message
    assert _action(cloud, agg["id"], "remove_host", {"host": "h1"}).status == 200
    resp = cloud.api.delete(f"/os-aggregates/{agg['id']}")
    assert resp.status == 200 and resp.text == ""
    assert all(rows == [] for rows in _api_rows(cloud).values())
    assert cloud.api.get(f"/os-aggregates/{agg['id']}").status == 404


def test_add_and_remove_host(cloud, computes):
    agg = _create(cloud, "agg1")
    resp = _action(cloud, agg["id"], "add_host", {"host": "h1"})
    assert resp.status == 200, resp
    assert resp.json["aggregate"]["hosts"] == ["h1"]
    assert _action(cloud, agg["id"], "add_host", {"host": "h2"}).json["aggregate"]["hosts"] \
        == ["h1", "h2"]
    again = _action(cloud, agg["id"], "add_host", {"host": "h1"})
    assert again.status == 409 and again.fault[0] == "conflictingRequest"
    unknown = _action(cloud, agg["id"], "add_host", {"host": "nowhere"})
    assert unknown.status == 404 and "nowhere" in unknown.message
    resp = _action(cloud, agg["id"], "remove_host", {"host": "h1"})
    assert resp.json["aggregate"]["hosts"] == ["h2"]
    missing = _action(cloud, agg["id"], "remove_host", {"host": "h1"})
    assert missing.status == 404


def test_a_host_must_be_a_mapped_compute(cloud):
    d = cloud.deployment
    d.add_compute_host("cell1", "unmapped", mapped=False)
    d.add_service("cell1", "ctl", "nova-conductor")
    d.map_host("cell1", "ctl")          # mapped, but no compute service there
    agg = _create(cloud)
    for host in ("unmapped", "ctl"):
        resp = _action(cloud, agg["id"], "add_host", {"host": host})
        assert resp.status == 404, (host, resp)
    assert _api_rows(cloud)["aggregate_hosts"] == []


def test_zone_conflicts(cloud, computes):
    az1 = _create(cloud, "a1", "az1")
    az2 = _create(cloud, "a2", "az2")
    plain = _create(cloud, "plain")
    assert _action(cloud, az1["id"], "add_host", {"host": "h1"}).status == 200
    clash = _action(cloud, az2["id"], "add_host", {"host": "h1"})
    assert clash.status == 400 and "az1" in clash.message
    # Same zone, or no zone: fine.
    same = _create(cloud, "a1-too", "az1")
    assert _action(cloud, same["id"], "add_host", {"host": "h1"}).status == 200
    assert _action(cloud, plain["id"], "add_host", {"host": "h1"}).status == 200
    # Zoning the plain aggregate differently clashes too, both ways in.
    rezone = _action(cloud, plain["id"], "set_metadata",
                     {"metadata": {"availability_zone": "az3"}})
    assert rezone.status == 400 and "az1" in rezone.message
    update = cloud.api.put(f"/os-aggregates/{plain['id']}",
                           json={"aggregate": {"availability_zone": "az3"}})
    assert update.status == 400
    assert cloud.api.get(f"/os-aggregates/{plain['id']}").json["aggregate"]["metadata"] == {}


def test_zone_does_not_change_under_instances(cloud, computes):
    agg = _create(cloud, "a1", "az1")
    _action(cloud, agg["id"], "add_host", {"host": "h2"})
    cloud.deployment.add_instance("cell2", "h2")
    resp = _action(cloud, agg["id"], "set_metadata", {"metadata": {"availability_zone": "az2"}})
    assert resp.status == 400 and "contain instances" in resp.message
    resp = cloud.api.put(f"/os-aggregates/{agg['id']}",
                         json={"aggregate": {"availability_zone": None}})
    assert resp.status == 400
    # Other metadata, and the same zone again, are fine.
    ok = _action(cloud, agg["id"], "set_metadata",
                 {"metadata": {"availability_zone": "az1", "ssd": "true"}})
    assert ok.status == 200, ok
    assert ok.json["aggregate"]["metadata"] == {"availability_zone": "az1", "ssd": "true"}


def test_set_metadata_merges_and_deletes(cloud):
    agg = _create(cloud, "a1", "az1")
    resp = _action(cloud, agg["id"], "set_metadata", {"metadata": {"a": "1", "b": "2"}})
    assert resp.json["aggregate"]["metadata"] == {"availability_zone": "az1", "a": "1", "b": "2"}
    resp = _action(cloud, agg["id"], "set_metadata", {"metadata": {"a": None, "b": "3"}})
    assert resp.json["aggregate"]["metadata"] == {"availability_zone": "az1", "b": "3"}
    resp = _action(cloud, agg["id"], "set_metadata",
                   {"metadata": {"availability_zone": None}})
    assert resp.json["aggregate"]["availability_zone"] is None


@pytest.mark.parametrize("body", [
    {},
    {"add_host": {"host": "h1"}, "remove_host": {"host": "h1"}},
    {"reboot": {}},
    {"add_host": {}},
    {"add_host": {"host": ""}},
    {"add_host": {"host": "bad host"}},
    {"add_host": {"host": "h1", "force": True}},
    {"add_host": "h1"},
    {"set_metadata": {}},
    {"set_metadata": {"metadata": {"bad/key": "v"}}},
    {"set_metadata": {"metadata": {"k": 1}}},
    {"set_metadata": {"metadata": {"k": "v" * 256}}},
    {"set_metadata": {"metadata": {"availability_zone": "a:b"}}},
    {"set_metadata": {"metadata": {"": "v"}}},
])
def test_bad_action_bodies_are_400_and_write_nothing(cloud, computes, body):
    agg = _create(cloud, "a1", "az1")
    before = _api_rows(cloud)
    resp = cloud.api.post(f"/os-aggregates/{agg['id']}/action", json=body)
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"
    assert _api_rows(cloud) == before


def test_non_admins_are_refused_and_nothing_is_written(cloud, computes):
    agg = _create(cloud, "a1")
    user = cloud.api.as_user()
    assert user.get("/os-aggregates").status == 403
    assert user.post("/os-aggregates", json={"aggregate": {"name": "mine"}}).status == 403
    assert user.get(f"/os-aggregates/{agg['id']}").status == 403
    assert user.put(f"/os-aggregates/{agg['id']}",
                    json={"aggregate": {"name": "x"}}).status == 403
    assert user.delete(f"/os-aggregates/{agg['id']}").status == 403
    assert user.post(f"/os-aggregates/{agg['id']}/action",
                     json={"add_host": {"host": "h1"}}).status == 403
    rows = _api_rows(cloud)
    assert [r.name for r in rows["aggregates"]] == ["a1"] and rows["aggregate_hosts"] == []


# --- placement mirror ------------------------------------------------------------------

def _placement_aggregates(cloud, rp):
    resp = cloud.placement.get(f"/resource_providers/{rp}/aggregates", version="1.19")
    assert resp.status == 200, resp
    return set(resp.json["aggregates"]), resp.json["resource_provider_generation"]


def test_host_membership_is_mirrored_into_placement(cloud, computes):
    a, b = computes["h1"]["nodes"]
    for name, rp in (("h1-a", a), ("h1-b", b)):
        cloud.placement.create_provider(name, uuid=rp)
    # An aggregate placement knows of that nova does not: kept.
    cloud.placement.put(f"/resource_providers/{a}/aggregates", version="1.19",
                        json={"aggregates": [OTHER_AGG], "resource_provider_generation": 0})
    agg = _create(cloud, "a1", "az1")
    assert _action(cloud, agg["id"], "add_host", {"host": "h1"}).status == 200
    assert _placement_aggregates(cloud, a)[0] == {OTHER_AGG, agg["uuid"]}
    assert _placement_aggregates(cloud, b)[0] == {agg["uuid"]}
    assert _action(cloud, agg["id"], "remove_host", {"host": "h1"}).status == 200
    assert _placement_aggregates(cloud, a)[0] == {OTHER_AGG}
    assert _placement_aggregates(cloud, b)[0] == set()


def test_mirror_is_best_effort(cloud, computes):
    # h2's provider is not in placement yet: the host is still added.
    agg = _create(cloud, "a1")
    resp = _action(cloud, agg["id"], "add_host", {"host": "h2"})
    assert resp.status == 200, resp
    assert resp.json["aggregate"]["hosts"] == ["h2"]


def test_mirror_retries_a_concurrent_update(cloud, computes, monkeypatch):
    rp = computes["h2"]["nodes"][0]
    cloud.placement.create_provider("h2", uuid=rp)
    client = cloud.state.placement
    real_set = client.set_aggregates
    raced = []

    def racing_set(uuid, aggregates, generation, **kw):
        if not raced:   # someone else changes the provider between read and write
            raced.append(True)
            current, gen = _placement_aggregates(cloud, uuid)
            cloud.placement.put(f"/resource_providers/{uuid}/aggregates", version="1.19",
                                json={"aggregates": sorted(current | {OTHER_AGG}),
                                      "resource_provider_generation": gen})
        return real_set(uuid, aggregates, generation, **kw)

    monkeypatch.setattr(client, "set_aggregates", racing_set)
    agg = _create(cloud, "a1")
    assert _action(cloud, agg["id"], "add_host", {"host": "h2"}).status == 200
    assert raced
    assert _placement_aggregates(cloud, rp)[0] == {OTHER_AGG, agg["uuid"]}
