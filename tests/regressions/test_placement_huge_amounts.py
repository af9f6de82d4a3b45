"""``GET /resource_providers?resources=VCPU:9223372036854775808`` was a 500
(too large for SQLite; NumericValueOutOfRange on PostgreSQL) and
``GET /allocation_candidates?resources=VCPU:99999999999999999999999`` a 500
in the answer builder.  No inventory can give more than an INTEGER column
holds, so such an amount matches nothing: 200 and an empty answer, on
every backend."""
from __future__ import annotations

import uuid

import pytest

HUGE = ["2147483648", "9223372036854775808", "18446744073709551616",
        "99999999999999999999999"]


@pytest.fixture
def provider(placement):
    rp = str(uuid.uuid4())
    assert placement.post("/resource_providers", json={"name": "big", "uuid": rp}).status \
        in (200, 201)
    resp = placement.put(f"/resource_providers/{rp}/inventories", json={
        "resource_provider_generation": 0, "inventories": {
            "VCPU": {"total": 2147483647, "max_unit": 2147483647,
                     "allocation_ratio": 16.0}}})
    assert resp.status == 200, resp
    return rp


@pytest.mark.parametrize("amount", HUGE)
def test_providers_with_more_than_any_inventory_holds(placement, provider, amount):
    resp = placement.get(f"/resource_providers?resources=VCPU:{amount}")
    assert resp.status == 200, resp
    assert resp.json["resource_providers"] == []
    # The largest amount an inventory can give is still found.
    resp = placement.get("/resource_providers?resources=VCPU:2147483647")
    assert [rp["uuid"] for rp in resp.json["resource_providers"]] == [provider]


@pytest.mark.parametrize("amount", HUGE)
@pytest.mark.parametrize("query", ["resources=VCPU:{a}", "resources1=VCPU:{a}",
                                   "resources=VCPU:1&resources1=VCPU:{a}&group_policy=none",
                                   "resources=VCPU:{a}&limit=1"])
def test_candidates_for_more_than_any_inventory_holds(placement, provider, amount, query):
    resp = placement.get("/allocation_candidates?" + query.format(a=amount))
    assert resp.status == 200, resp
    assert resp.json["allocation_requests"] == []
    assert resp.json["provider_summaries"] == {}


@pytest.mark.parametrize("generation", [2**31, 2**63, 2**64, -1])
def test_a_generation_no_column_holds_is_a_conflict(placement, provider, generation):
    """Such a generation is never the provider's: 409, as any stale one."""
    for method, path, body in [
            ("PUT", f"/resource_providers/{provider}/inventories",
             {"resource_provider_generation": generation,
              "inventories": {"VCPU": {"total": 1}}}),
            ("PUT", f"/resource_providers/{provider}/traits",
             {"resource_provider_generation": generation, "traits": []}),
            ("PUT", f"/resource_providers/{provider}/aggregates",
             {"resource_provider_generation": generation, "aggregates": []})]:
        resp = placement.request(method, path, json=body)
        assert resp.status == 409, (path, resp)
        assert resp.error_code == "placement.concurrent_update", resp
