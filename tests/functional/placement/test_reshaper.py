"""POST /reshaper: inventory and allocations move together or not at all."""
from __future__ import annotations

import uuid

import pytest

ROOT = "aaaaaaaa-0000-4000-8000-000000000001"
CHILD = "aaaaaaaa-0000-4000-8000-000000000002"
VM = "cccccccc-0000-4000-8000-000000000001"


@pytest.fixture
def host_with_vgpus_on_root(placement):
    """A root with VGPU inventory and an instance using 2 of them, plus an
    (empty) child that should hold the VGPUs instead."""
    placement.create_provider("root", uuid=ROOT)
    placement.create_provider("gpu0", uuid=CHILD, parent=ROOT)
    placement.set_inventory(ROOT, {"VCPU": 8, "VGPU": 4})
    resp = placement.put(f"/allocations/{VM}", json={
        "allocations": {ROOT: {"resources": {"VCPU": 1, "VGPU": 2}}},
        "project_id": "p", "user_id": "u", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    assert resp.status == 204, resp
    return placement


def as_service(placement):
    """Reshaping is for services (nova's compute), not even for admins."""
    return placement.as_user(roles="service")


def _generation(placement, rp):
    return placement.get(f"/resource_providers/{rp}").json["generation"]


def _move_body(placement, *, child_total=4, consumer_generation=1, root_generation=None):
    return {
        "inventories": {
            ROOT: {"resource_provider_generation": (root_generation if root_generation
                                                    is not None else _generation(placement, ROOT)),
                   "inventories": {"VCPU": {"total": 8}}},
            CHILD: {"resource_provider_generation": _generation(placement, CHILD),
                    "inventories": {"VGPU": {"total": child_total}}},
        },
        "allocations": {
            VM: {"allocations": {ROOT: {"resources": {"VCPU": 1}},
                                 CHILD: {"resources": {"VGPU": 2}}},
                 "project_id": "p", "user_id": "u",
                 "consumer_generation": consumer_generation, "consumer_type": "INSTANCE"},
        },
    }


def test_moves_inventory_and_allocations_together(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    resp = as_service(placement).post("/reshaper", json=_move_body(placement))
    assert resp.status == 204, resp
    root_inv = placement.get(f"/resource_providers/{ROOT}/inventories").json["inventories"]
    assert set(root_inv) == {"VCPU"}
    child_usage = placement.get(f"/resource_providers/{CHILD}/usages").json["usages"]
    assert child_usage == {"VGPU": 2}
    allocs = placement.get(f"/allocations/{VM}").json
    assert allocs["allocations"][CHILD]["resources"] == {"VGPU": 2}
    assert allocs["consumer_generation"] == 2


def test_not_before_1_30(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    assert as_service(placement).post("/reshaper", json=_move_body(placement), version="1.29").status == 404


def _unchanged(placement):
    root_inv = placement.get(f"/resource_providers/{ROOT}/inventories").json["inventories"]
    assert set(root_inv) == {"VCPU", "VGPU"}
    assert placement.get(f"/resource_providers/{CHILD}/inventories").json["inventories"] == {}
    allocs = placement.get(f"/allocations/{VM}").json
    assert allocs["allocations"][ROOT]["resources"] == {"VCPU": 1, "VGPU": 2}
    assert allocs["consumer_generation"] == 1


def test_new_inventory_too_small_changes_nothing(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    resp = as_service(placement).post("/reshaper", json=_move_body(placement, child_total=1))
    assert resp.status == 409, resp
    _unchanged(placement)


def test_stale_consumer_generation_changes_nothing(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    resp = as_service(placement).post("/reshaper", json=_move_body(placement, consumer_generation=7))
    assert resp.status == 409 and resp.error_code == "placement.concurrent_update"
    _unchanged(placement)


def test_stale_provider_generation_changes_nothing(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    resp = as_service(placement).post("/reshaper", json=_move_body(placement, root_generation=0))
    assert resp.status == 409 and resp.error_code == "placement.concurrent_update"
    _unchanged(placement)


def test_removing_inventory_left_in_use_is_refused(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    del body["allocations"]  # the VM keeps its VGPUs on the root ...
    body["allocations"] = {}
    resp = as_service(placement).post("/reshaper", json=body)  # ... whose VGPU inventory goes
    assert resp.status == 409 and resp.error_code == "placement.inventory.inuse"
    _unchanged(placement)


@pytest.mark.parametrize("mutate", [
    lambda b: b.pop("allocations"),
    lambda b: b.pop("inventories"),
    lambda b: b.update(extra=1),
    lambda b: b["inventories"].update({"not-a-uuid": b["inventories"][ROOT]}),
    lambda b: b["inventories"][ROOT].pop("resource_provider_generation"),
    lambda b: b["inventories"][ROOT]["inventories"]["VCPU"].update(total=0),
    lambda b: b["allocations"][VM].pop("consumer_generation"),
    lambda b: b["allocations"][VM].pop("consumer_type"),
    lambda b: b["allocations"][VM]["allocations"][CHILD]["resources"].update(VGPU=0),
])
def test_bad_bodies_are_400_and_change_nothing(host_with_vgpus_on_root, mutate):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    mutate(body)
    resp = as_service(placement).post("/reshaper", json=body)
    assert resp.status == 400, resp
    _unchanged(placement)


def test_consumer_type_not_needed_before_1_38(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    del body["allocations"][VM]["consumer_type"]
    assert as_service(placement).post("/reshaper", json=body, version="1.37").status == 204


def test_unknown_class_is_400(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    body["inventories"][CHILD]["inventories"] = {"CUSTOM_NOPE": {"total": 4}}
    assert as_service(placement).post("/reshaper", json=body).status == 400
    _unchanged(placement)


def test_new_consumer_can_be_created(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    other = str(uuid.uuid4())
    body["allocations"][other] = {
        "allocations": {CHILD: {"resources": {"VGPU": 1}}}, "project_id": "p",
        "user_id": "u", "consumer_generation": None, "consumer_type": "INSTANCE"}
    assert as_service(placement).post("/reshaper", json=body).status == 204
    usage = placement.get(f"/resource_providers/{CHILD}/usages").json["usages"]
    assert usage == {"VGPU": 3}


def test_unknown_provider_in_inventories_is_400_not_found(host_with_vgpus_on_root):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    missing = str(uuid.uuid4())
    body["inventories"][missing] = body["inventories"].pop(CHILD)
    resp = as_service(placement).post("/reshaper", json=body)
    assert resp.status == 400, resp
    assert resp.error_code == "placement.resource_provider.not_found"
    assert resp.json["errors"][0]["detail"] == (
        f"Resource provider {missing} in inventories not found: "
        f"No resource provider with uuid {missing} found")
    _unchanged(placement)


@pytest.mark.parametrize("version", ["1.34", "1.38"])
def test_empty_mappings_are_400(host_with_vgpus_on_root, version):
    placement = host_with_vgpus_on_root
    body = _move_body(placement)
    body["allocations"][VM]["mappings"] = {}
    if version == "1.34":
        body["allocations"][VM].pop("consumer_type")
    resp = as_service(placement).post("/reshaper", json=body, version=version)
    assert resp.status == 400, resp
    assert "should be non-empty" in resp.json["errors"][0]["detail"]
    _unchanged(placement)
