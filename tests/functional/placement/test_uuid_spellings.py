"""UUIDs are compared in their canonical form: upper-case and dash-less
spellings in paths, bodies and filters name the same provider, aggregate
or consumer.  Also: PUT .../aggregates on an unknown provider is a 404
whatever its body, and a resource class name over 255 characters is a
400 at 1.7."""
from __future__ import annotations

import pytest

RP = "5b1f1e0a-3c1d-4e5f-8a9b-0c1d2e3f4a5b"
AGG = "aa11bb22-cc33-4d44-8e55-ff6677889900"
CONSUMER = "c0c0c0c0-1111-4222-8333-444455556666"
MISSING = "99999999-9999-4999-8999-999999999999"


def spellings(u: str) -> list[str]:
    return [u.upper(), u.replace("-", ""), u.replace("-", "").upper()]


@pytest.fixture
def rp(placement):
    return placement.create_provider("host", uuid=RP)["uuid"]


@pytest.mark.parametrize("spelling", spellings(RP))
def test_paths_name_the_same_provider(placement, rp, spelling):
    resp = placement.get(f"/resource_providers/{spelling}")
    assert resp.status == 200, resp
    assert resp.json["uuid"] == RP
    resp = placement.put(f"/resource_providers/{spelling}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"VCPU": {"total": 4}}})
    assert resp.status == 200, resp
    assert placement.get(f"/resource_providers/{RP}/inventories").json["inventories"]["VCPU"]


@pytest.mark.parametrize("spelling", spellings(RP))
def test_recreating_a_provider_spelled_differently_is_409(placement, rp, spelling):
    resp = placement.post("/resource_providers", json={"name": "other", "uuid": spelling})
    assert resp.status == 409, resp
    assert resp.error_code == "placement.duplicate_name"
    assert len(placement.get("/resource_providers").json["resource_providers"]) == 1


def test_created_uuid_and_parent_are_canonical(placement):
    resp = placement.post("/resource_providers", json={
        "name": "root", "uuid": RP.replace("-", "").upper()}, version="1.20")
    assert resp.status == 200 and resp.json["uuid"] == RP
    resp = placement.post("/resource_providers", json={
        "name": "child", "parent_provider_uuid": RP.upper()}, version="1.20")
    assert resp.status == 200, resp
    assert resp.json["parent_provider_uuid"] == RP and resp.json["root_provider_uuid"] == RP


def test_aggregates_are_canonical(placement, rp):
    resp = placement.put(f"/resource_providers/{rp}/aggregates", json={
        "aggregates": [AGG.upper(), AGG.replace("-", "")], "resource_provider_generation": 0})
    assert resp.status == 200, resp
    assert resp.json["aggregates"] == [AGG]
    for spelling in [AGG, *spellings(AGG)]:
        listed = placement.get("/resource_providers", params={"member_of": spelling})
        assert listed.status == 200, listed
        assert [p["uuid"] for p in listed.json["resource_providers"]] == [RP]


def test_consumers_and_providers_in_allocations(placement, rp):
    placement.set_inventory(RP, {"VCPU": 8})
    resp = placement.put(f"/allocations/{CONSUMER.upper()}", json={
        "allocations": {RP.replace("-", ""): {"resources": {"VCPU": 2}}},
        "project_id": "p", "user_id": "u", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    assert resp.status == 204, resp
    got = placement.get(f"/allocations/{CONSUMER.replace('-', '')}").json
    assert got["allocations"] == {RP: {"resources": {"VCPU": 2}, "generation": 2}}
    by_consumer = placement.get(f"/resource_providers/{RP.upper()}/allocations").json[
        "allocations"]
    assert list(by_consumer) == [CONSUMER]
    assert by_consumer[CONSUMER]["resources"] == {"VCPU": 2}
    assert placement.delete(f"/allocations/{CONSUMER.upper()}").status == 204
    assert placement.get(f"/allocations/{CONSUMER}").json == {"allocations": {}}


# -- PUT aggregates on an unknown provider: 404 before the body ------------------

@pytest.mark.parametrize("version,body", [
    ("latest", {"aggregates": ["not-a-uuid"], "resource_provider_generation": "x"}),
    ("latest", {"aggregates": [AGG], "resource_provider_generation": 0}),
    ("1.19", {"aggregates": [AGG], "resource_provider_generation": 0}),
    ("1.19", {"aggregates": ["not-a-uuid"]}),
    ("1.19", [AGG]),
    ("1.1", {"aggregates": [AGG]}),
    ("1.1", "junk"),
])
def test_put_aggregates_on_unknown_provider_is_404(placement, version, body):
    resp = placement.put(f"/resource_providers/{MISSING}/aggregates", json=body,
                         version=version)
    assert resp.status == 404, resp
    assert resp.error_detail == f"No resource provider with uuid {MISSING} found"
    if version == "latest":
        assert resp.error_code == "placement.resource_provider.not_found"


def test_put_aggregates_on_a_known_provider_still_checks_the_body(placement, rp):
    resp = placement.put(f"/resource_providers/{rp}/aggregates", json=[AGG], version="1.19")
    assert resp.status == 400, resp


# -- resource class names over 255 characters -------------------------------------

def test_long_resource_class_name_at_1_7_is_400(placement):
    name = "CUSTOM_" + "A" * 249
    assert len(name) == 256
    resp = placement.put(f"/resource_classes/{name}", version="1.7")
    assert resp.status == 400, resp
    assert "is too long" in resp.error_detail
    assert placement.get(f"/resource_classes/{name}", version="1.7").status == 404
    ok = "CUSTOM_" + "A" * 248
    assert placement.put(f"/resource_classes/{ok}", version="1.7").status == 201


@pytest.mark.parametrize("spelling", spellings(RP))
def test_in_tree_on_allocation_candidates_names_the_same_tree(placement, rp, spelling):
    placement.set_inventory(RP, {"VCPU": 4})
    resp = placement.get(f"/allocation_candidates?resources=VCPU:1&in_tree={spelling}",
                         version="1.31")
    assert resp.status == 200, resp
    assert [list(r["allocations"]) for r in resp.json["allocation_requests"]] == [[RP]]
