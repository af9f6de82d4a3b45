"""``member_ofN`` in a suffixed request group applies to the provider that
supplies that group's resources; only the unsuffixed ``member_of`` spans
the tree (a root's aggregates count for every provider under it)."""
from __future__ import annotations

ROOT = "dddddddd-0000-4000-8000-000000000001"
GPU = "dddddddd-0000-4000-8000-000000000002"
ROOT_AGG = "eeeeeeee-0000-4000-8000-000000000001"
GPU_AGG = "eeeeeeee-0000-4000-8000-000000000002"


def _tree(placement):
    placement.create_provider("host", uuid=ROOT)
    placement.create_provider("gpu", uuid=GPU, parent=ROOT)
    placement.set_inventory(ROOT, {"VCPU": 8})
    placement.set_inventory(GPU, {"VGPU": 4})
    for rp, agg in ((ROOT, ROOT_AGG), (GPU, GPU_AGG)):
        gen = placement.get(f"/resource_providers/{rp}").json["generation"]
        resp = placement.put(f"/resource_providers/{rp}/aggregates", json={
            "aggregates": [agg], "resource_provider_generation": gen})
        assert resp.status == 200, resp


def _providers(resp) -> list[set[str]]:
    assert resp.status == 200, resp
    return [set(r["allocations"]) for r in resp.json["allocation_requests"]]


def test_unsuffixed_member_of_spans_the_tree(placement):
    _tree(placement)
    resp = placement.get("/allocation_candidates", params={
        "resources": "VCPU:1,VGPU:1", "member_of": ROOT_AGG})
    assert _providers(resp) == [{ROOT, GPU}]
    resp = placement.get("/allocation_candidates", params={
        "resources": "VGPU:1", "member_of": ROOT_AGG})
    assert _providers(resp) == [{GPU}]


def test_suffixed_member_of_applies_to_the_supplying_provider(placement):
    _tree(placement)
    # The GPU provider supplies group 1 and is not itself in the root's
    # aggregate: no candidate, although its root is.
    resp = placement.get("/allocation_candidates", params={
        "resources": "VCPU:1", "resources1": "VGPU:1", "member_of1": ROOT_AGG})
    assert _providers(resp) == []
    resp = placement.get("/allocation_candidates", params={
        "resources": "VCPU:1", "resources1": "VGPU:1", "member_of1": GPU_AGG})
    assert _providers(resp) == [{ROOT, GPU}]
    # Forbidden likewise: the root's aggregate does not exclude the GPU.
    resp = placement.get("/allocation_candidates", params={
        "resources1": "VGPU:1", "member_of1": "!" + ROOT_AGG})
    assert _providers(resp) == [{GPU}]
    resp = placement.get("/allocation_candidates", params={
        "resources1": "VGPU:1", "member_of1": "!" + GPU_AGG})
    assert _providers(resp) == []
