"""POST /reshaper bumps each provider once per step that touches it, as
OpenStack Placement does: interim inventory, allocations, final inventory.
A provider whose allocations were only released keeps its generation."""
from __future__ import annotations

ROOT = "aaaaaaaa-0000-4000-8000-000000000011"
CHILD = "aaaaaaaa-0000-4000-8000-000000000012"
SHARED = "aaaaaaaa-0000-4000-8000-000000000013"
OTHER = "aaaaaaaa-0000-4000-8000-000000000014"
VM = "cccccccc-0000-4000-8000-000000000011"


def _gen(placement, rp):
    return placement.get(f"/resource_providers/{rp}").json["generation"]


def _consumer(allocs: dict, generation) -> dict:
    return {"allocations": {rp: {"resources": r} for rp, r in allocs.items()},
            "project_id": "p", "user_id": "u", "consumer_generation": generation,
            "consumer_type": "INSTANCE"}


def test_each_step_bumps_each_touched_provider_once(placement):
    placement.create_provider("root", uuid=ROOT)
    placement.create_provider("gpu", uuid=CHILD, parent=ROOT)
    placement.create_provider("disk", uuid=SHARED)
    placement.create_provider("other", uuid=OTHER)
    placement.set_inventory(ROOT, {"VCPU": 8, "VGPU": 4})
    placement.set_inventory(SHARED, {"DISK_GB": 100})
    placement.set_inventory(OTHER, {"MEMORY_MB": 1024})
    resp = placement.put(f"/allocations/{VM}", json=_consumer(
        {ROOT: {"VCPU": 1, "VGPU": 2}, OTHER: {"MEMORY_MB": 512}}, None))
    assert resp.status == 204, resp
    before = {rp: _gen(placement, rp) for rp in (ROOT, CHILD, SHARED, OTHER)}
    body = {
        "inventories": {
            ROOT: {"resource_provider_generation": before[ROOT],
                   "inventories": {"VCPU": {"total": 8}}},
            CHILD: {"resource_provider_generation": before[CHILD],
                    "inventories": {"VGPU": {"total": 4}}},
        },
        # VCPU stays on the root, VGPU moves to the child, memory is
        # released from OTHER and disk taken on SHARED.
        "allocations": {VM: _consumer({ROOT: {"VCPU": 1}, CHILD: {"VGPU": 2},
                                       SHARED: {"DISK_GB": 10}}, 1)},
    }
    resp = placement.as_user(roles="service").post("/reshaper", json=body)
    assert resp.status == 204, resp
    after = {rp: _gen(placement, rp) for rp in (ROOT, CHILD, SHARED, OTHER)}
    assert after[ROOT] == before[ROOT] + 3      # interim, allocations, final
    assert after[CHILD] == before[CHILD] + 3
    assert after[SHARED] == before[SHARED] + 1  # allocations only
    assert after[OTHER] == before[OTHER]        # released only
    # The returned generations are usable at once.
    resp = placement.put(f"/resource_providers/{CHILD}/inventories", json={
        "resource_provider_generation": after[CHILD],
        "inventories": {"VGPU": {"total": 6}}})
    assert resp.status == 200, resp


def test_inventory_only_reshape_bumps_twice(placement):
    placement.create_provider("root", uuid=ROOT)
    placement.set_inventory(ROOT, {"VCPU": 8})
    before = _gen(placement, ROOT)
    resp = placement.as_user(roles="service").post("/reshaper", json={
        "inventories": {ROOT: {"resource_provider_generation": before,
                               "inventories": {"VCPU": {"total": 16}}}},
        "allocations": {}})
    assert resp.status == 204, resp
    assert _gen(placement, ROOT) == before + 2
    inv = placement.get(f"/resource_providers/{ROOT}/inventories").json["inventories"]
    assert inv["VCPU"]["total"] == 16
