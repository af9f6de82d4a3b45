"""/resource_providers: create, show, list filters, update, trees, delete."""
import uuid

import pytest

U1 = "11111111-1111-4111-8111-111111111111"


def test_create_before_1_20_is_201_without_body(placement):
    resp = placement.post("/resource_providers", json={"name": "rp1", "uuid": U1}, version="1.19")
    assert resp.status == 201
    assert resp.text == ""
    assert resp.headers["Location"].endswith(f"/resource_providers/{U1}")


def test_create_from_1_20_returns_the_provider(placement):
    resp = placement.post("/resource_providers", json={"name": "rp1"}, version="1.20")
    assert resp.status == 200
    body = resp.json
    assert uuid.UUID(body["uuid"])
    assert body["name"] == "rp1" and body["generation"] == 0
    assert resp.headers["Location"].endswith(f"/resource_providers/{body['uuid']}")


@pytest.mark.parametrize("version, rels", [
    ("1.0", ["self", "inventories", "usages"]),
    ("1.1", ["self", "inventories", "usages", "aggregates"]),
    ("1.6", ["self", "inventories", "usages", "aggregates", "traits"]),
    ("1.11", ["self", "inventories", "usages", "aggregates", "traits", "allocations"]),
])
def test_links_by_version(placement, version, rels):
    placement.create_provider("rp1", uuid=U1)
    body = placement.get(f"/resource_providers/{U1}", version=version).json
    assert [link["rel"] for link in body["links"]] == rels
    assert body["links"][0]["href"] == f"/resource_providers/{U1}"
    assert ("root_provider_uuid" in body) is False


def test_tree_fields_from_1_14(placement):
    root = placement.create_provider("root", uuid=U1)
    child = placement.create_provider("child", parent=U1)
    grandchild = placement.create_provider("grandchild", parent=child["uuid"])
    assert root["root_provider_uuid"] == U1 and root["parent_provider_uuid"] is None
    assert child["parent_provider_uuid"] == U1 and child["root_provider_uuid"] == U1
    assert grandchild["parent_provider_uuid"] == child["uuid"]
    assert grandchild["root_provider_uuid"] == U1
    tree = placement.get("/resource_providers", params={"in_tree": child["uuid"]}).json
    assert {p["name"] for p in tree["resource_providers"]} == {"root", "child", "grandchild"}


def test_parent_not_accepted_before_1_14(placement):
    placement.create_provider("root", uuid=U1)
    resp = placement.post("/resource_providers", json={"name": "c", "parent_provider_uuid": U1},
                          version="1.13")
    assert resp.status == 400


def test_duplicates_are_409(placement):
    placement.create_provider("rp1", uuid=U1)
    same_name = placement.post("/resource_providers", json={"name": "rp1"})
    assert same_name.status == 409 and same_name.error_code == "placement.duplicate_name"
    same_uuid = placement.post("/resource_providers", json={"name": "other", "uuid": U1})
    assert same_uuid.status == 409 and same_uuid.error_code == "placement.duplicate_name"


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": "x" * 201}, {"name": 7}, {"name": "a", "uuid": "not-a-uuid"},
    {"name": "a", "extra": 1}, {"name": "a", "parent_provider_uuid": "bad"}, [], "name",
])
def test_bad_create_bodies_are_400_and_write_nothing(placement, body):
    resp = placement.post("/resource_providers", json=body)
    assert resp.status == 400, resp
    assert placement.get("/resource_providers").json["resource_providers"] == []


def test_unknown_parent_is_400(placement):
    resp = placement.post("/resource_providers",
                          json={"name": "c", "parent_provider_uuid": U1})
    assert resp.status == 400
    assert "does not exist" in resp.error_detail


def test_parent_equal_to_self_is_400(placement):
    resp = placement.post("/resource_providers",
                          json={"name": "c", "uuid": U1, "parent_provider_uuid": U1})
    assert resp.status == 400


def test_show_unknown_is_404_with_code(placement):
    resp = placement.get(f"/resource_providers/{U1}")
    assert resp.status == 404
    assert resp.error_code == "placement.resource_provider.not_found"


def test_list_filters_by_name_and_uuid(placement):
    a = placement.create_provider("a")
    placement.create_provider("b")
    by_name = placement.get("/resource_providers", params={"name": "a"}).json
    assert [p["uuid"] for p in by_name["resource_providers"]] == [a["uuid"]]
    by_uuid = placement.get("/resource_providers", params={"uuid": a["uuid"]}).json
    assert [p["name"] for p in by_uuid["resource_providers"]] == ["a"]
    assert placement.get("/resource_providers", params={"uuid": "junk"}).status == 400


def test_list_rejects_params_of_later_versions(placement):
    assert placement.get("/resource_providers", params={"member_of": U1}, version="1.2").status == 400
    assert placement.get("/resource_providers", params={"resources": "VCPU:1"},
                         version="1.3").status == 400
    assert placement.get("/resource_providers", params={"in_tree": U1}, version="1.13").status == 400
    assert placement.get("/resource_providers", params={"required": "HW_CPU_X86_AVX"},
                         version="1.17").status == 400
    assert placement.get("/resource_providers", params={"bogus": "1"}).status == 400


def test_list_resources_filter_validation(placement):
    for bad in ("VCPU", "VCPU:x", "VCPU:-1", "VCPU:0", "VCPU:1,VCPU:2", "vcpu:1"):
        resp = placement.get("/resource_providers", params={"resources": bad}, version="1.23")
        assert resp.status == 400, bad
    unknown = placement.get("/resource_providers", params={"resources": "CUSTOM_NOPE:1"})
    assert unknown.status == 400


def test_list_required_validation(placement):
    assert placement.get("/resource_providers", params={"required": "CUSTOM_NOPE"}).status == 400
    forbidden_too_early = placement.get("/resource_providers", params={"required": "!HW_CPU_X86_AVX"},
                                        version="1.21")
    assert forbidden_too_early.status == 400
    conflicting = placement.get("/resource_providers",
                                params={"required": "HW_CPU_X86_AVX,!HW_CPU_X86_AVX"})
    assert conflicting.status == 400


def test_list_member_of_validation(placement):
    assert placement.get("/resource_providers", params={"member_of": "junk"}).status == 400
    assert placement.get("/resource_providers", params={"member_of": f"{U1},{U1}"}).status == 400
    repeated = placement.get("/resource_providers", params=[("member_of", U1), ("member_of", U1)],
                             version="1.23")
    assert repeated.status == 400
    forbidden_too_early = placement.get("/resource_providers", params={"member_of": "!" + U1},
                                        version="1.31")
    assert forbidden_too_early.status == 400
    ok = placement.get("/resource_providers", params={"member_of": "in:" + U1})
    assert ok.status == 200 and ok.json["resource_providers"] == []


def test_update_renames(placement):
    placement.create_provider("old", uuid=U1)
    resp = placement.put(f"/resource_providers/{U1}", json={"name": "new"})
    assert resp.status == 200 and resp.json["name"] == "new"
    assert placement.get(f"/resource_providers/{U1}").json["name"] == "new"


def test_update_name_clash_is_409(placement):
    placement.create_provider("a", uuid=U1)
    placement.create_provider("b")
    resp = placement.put(f"/resource_providers/{U1}", json={"name": "b"})
    assert resp.status == 409 and resp.error_code == "placement.duplicate_name"


def test_update_bad_bodies(placement):
    placement.create_provider("a", uuid=U1)
    for body in ({}, {"name": ""}, {"name": "a", "uuid": U1}, {"name": "a", "generation": 1}):
        assert placement.put(f"/resource_providers/{U1}", json=body).status == 400, body
    assert placement.put(f"/resource_providers/{uuid.uuid4()}", json={"name": "x"}).status == 404


def test_reparenting_rules_before_1_37(placement):
    a = placement.create_provider("a")
    b = placement.create_provider("b")
    child = placement.create_provider("child")
    # A root may gain a parent ...
    gained = placement.put(f"/resource_providers/{child['uuid']}",
                           json={"name": "child", "parent_provider_uuid": a["uuid"]}, version="1.36")
    assert gained.status == 200 and gained.json["root_provider_uuid"] == a["uuid"]
    # ... but not change or lose it.
    moved = placement.put(f"/resource_providers/{child['uuid']}",
                          json={"name": "child", "parent_provider_uuid": b["uuid"]}, version="1.36")
    assert moved.status == 400
    orphaned = placement.put(f"/resource_providers/{child['uuid']}",
                             json={"name": "child", "parent_provider_uuid": None}, version="1.36")
    assert orphaned.status == 400


def test_reparenting_from_1_37_moves_the_subtree(placement):
    a = placement.create_provider("a")
    b = placement.create_provider("b")
    child = placement.create_provider("child", parent=a["uuid"])
    leaf = placement.create_provider("leaf", parent=child["uuid"])
    moved = placement.put(f"/resource_providers/{child['uuid']}",
                          json={"name": "child", "parent_provider_uuid": b["uuid"]}, version="1.37")
    assert moved.status == 200
    assert moved.json["parent_provider_uuid"] == b["uuid"]
    assert placement.get(f"/resource_providers/{leaf['uuid']}").json["root_provider_uuid"] == b["uuid"]
    unparented = placement.put(f"/resource_providers/{child['uuid']}",
                               json={"name": "child", "parent_provider_uuid": None}, version="1.37")
    assert unparented.status == 200
    assert unparented.json["root_provider_uuid"] == child["uuid"]
    leaf_now = placement.get(f"/resource_providers/{leaf['uuid']}").json
    assert leaf_now["root_provider_uuid"] == child["uuid"]


def test_reparenting_cannot_make_a_loop(placement):
    a = placement.create_provider("a")
    child = placement.create_provider("child", parent=a["uuid"])
    loop = placement.put(f"/resource_providers/{a['uuid']}",
                         json={"name": "a", "parent_provider_uuid": child["uuid"]})
    assert loop.status == 400
    to_self = placement.put(f"/resource_providers/{a['uuid']}",
                            json={"name": "a", "parent_provider_uuid": a["uuid"]})
    assert to_self.status == 400


def test_delete(placement):
    placement.create_provider("a", uuid=U1)
    assert placement.delete(f"/resource_providers/{U1}").status == 204
    assert placement.get(f"/resource_providers/{U1}").status == 404
    assert placement.delete(f"/resource_providers/{U1}").status == 404


def test_delete_parent_is_refused(placement):
    placement.create_provider("a", uuid=U1)
    placement.create_provider("child", parent=U1)
    resp = placement.delete(f"/resource_providers/{U1}")
    assert resp.status == 409
    assert resp.error_code == "placement.resource_provider.cannot_delete_parent"


def test_delete_with_allocations_is_refused(placement):
    placement.create_provider("a", uuid=U1)
    placement.set_inventory(U1, {"VCPU": 8})
    consumer = str(uuid.uuid4())
    claim = placement.put(f"/allocations/{consumer}", json={
        "allocations": {U1: {"resources": {"VCPU": 2}}},
        "project_id": "p", "user_id": "u", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    assert claim.status == 204, claim
    resp = placement.delete(f"/resource_providers/{U1}")
    assert resp.status == 409
    assert resp.error_code == "placement.resource_provider.inuse"


def test_members_are_forbidden(placement):
    member = placement.as_user()
    assert member.get("/resource_providers").status == 403
    assert member.post("/resource_providers", json={"name": "x"}).status == 403


def test_service_role_is_allowed(placement):
    service = placement.as_user(roles="service")
    assert service.get("/resource_providers").status == 200
