"""Orders the reference leaves open and clients' scripts rely on, as
OpenStack Placement gives them: a provider's aggregates in the order they
were created (a PUT answers them in the order sent), and each provider's
traits in provider summaries in the order the traits were created."""
from __future__ import annotations

RP = "f0f0f0f0-0000-4000-8000-000000000001"
AGGS = ["cccccccc-0000-4000-8000-000000000003", "aaaaaaaa-0000-4000-8000-000000000001",
        "bbbbbbbb-0000-4000-8000-000000000002"]


def test_aggregates_keep_insertion_order(placement):
    placement.create_provider("host", uuid=RP)
    resp = placement.put(f"/resource_providers/{RP}/aggregates", json={
        "aggregates": AGGS, "resource_provider_generation": 0})
    assert resp.status == 200, resp
    assert resp.json["aggregates"] == AGGS
    assert placement.get(f"/resource_providers/{RP}/aggregates").json["aggregates"] == AGGS
    # A new aggregate comes after those that existed before it.
    new = "00000000-0000-4000-8000-000000000009"
    resp = placement.put(f"/resource_providers/{RP}/aggregates", json={
        "aggregates": [new, *AGGS], "resource_provider_generation": 1})
    assert resp.json["aggregates"] == [new, *AGGS]
    assert placement.get(f"/resource_providers/{RP}/aggregates").json["aggregates"] == [
        *AGGS, new]


def test_summary_traits_in_creation_order(placement):
    names = ["CUSTOM_ZED", "CUSTOM_ALPHA", "CUSTOM_MID"]
    for name in names:
        assert placement.put(f"/traits/{name}").status == 201
    placement.create_provider("host", uuid=RP)
    placement.set_inventory(RP, {"VCPU": 4})
    resp = placement.put(f"/resource_providers/{RP}/traits", json={
        "traits": sorted(names), "resource_provider_generation": 1})
    assert resp.status == 200, resp
    for version in ("1.17", "1.29", "1.39"):
        resp = placement.get("/allocation_candidates", params={"resources": "VCPU:1"},
                             version=version)
        assert resp.status == 200, resp
        assert resp.json["provider_summaries"][RP]["traits"] == names, version
    # The general path (two groups) answers alike.
    resp = placement.get("/allocation_candidates", params={
        "resources1": "VCPU:1", "required1": "CUSTOM_MID"}, version="1.39")
    assert resp.json["provider_summaries"][RP]["traits"] == names
