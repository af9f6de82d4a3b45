"""Flavors, flavor access and extra specs over real HTTP: CRUD, views per
microversion, visibility of private flavors, listing filters and paging,
validation (nothing written on a 400) and policy."""
from __future__ import annotations

import uuid

import pytest

from nubes.cells.api_db import models as api_models


def _create(cloud, version="2.96", **fields):
    body = {"name": "f1", "ram": 512, "vcpus": 1, "disk": 1, **fields}
    resp = cloud.api.post("/flavors", json={"flavor": body}, version=version)
    assert resp.status == 200, resp
    return resp.json["flavor"]


def _rows(cloud):
    return {t.name: len(cloud.deployment.rows("api", t))
            for t in (api_models.flavors, api_models.flavor_extra_specs,
                      api_models.flavor_projects)}


def test_create_show_and_views_by_microversion(cloud):
    created = _create(cloud, id="small", name="small", ram="2048", vcpus=2, disk=20,
                      swap=0, rxtx_factor="1.5", description="a small one",
                      **{"OS-FLV-EXT-DATA:ephemeral": 5})
    assert created == {
        "id": "small", "name": "small", "ram": 2048, "disk": 20, "vcpus": 2, "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 5, "OS-FLV-DISABLED:disabled": False,
        "os-flavor-access:is_public": True, "rxtx_factor": 1.5,
        "description": "a small one", "extra_specs": {}, "links": created["links"]}
    assert created["links"][0] == {"rel": "self", "href": cloud.url + "/v2.1/flavors/small"}
    assert created["links"][1] == {"rel": "bookmark", "href": cloud.url + "/flavors/small"}
    old = cloud.api.get("/flavors/small", version="2.54").json["flavor"]
    assert old["swap"] == "" and "description" not in old and "extra_specs" not in old
    assert cloud.api.get("/flavors/small", version="2.60").json["flavor"]["description"] \
        == "a small one"
    assert "extra_specs" not in cloud.api.get("/flavors/small", version="2.60").json["flavor"]
    assert cloud.api.get("/flavors/small", version="2.74").json["flavor"]["swap"] == ""
    generated = _create(cloud, name="auto-id")
    assert len(generated["id"]) == 36
    # Links keep a project id that was in the URL.
    shown = cloud.api.get("//v2.1/admin/flavors/small").json["flavor"]
    assert shown["links"][0]["href"] == cloud.url + "/v2.1/admin/flavors/small"
    assert shown["links"][1]["href"] == cloud.url + "/admin/flavors/small"


@pytest.mark.parametrize(("given", "stored"), [
    (7, "7"), (1.5, "1.5"), ("m1.tiny", "m1.tiny"), ("with inner space", "with inner space"),
    ("x" * 255, "x" * 255)])
def test_create_id_may_be_a_string_or_a_number(cloud, given, stored):
    created = _create(cloud, id=given, name="named")
    assert created["id"] == stored
    shown = cloud.api.get(f"/flavors/{stored}")
    assert shown.status == 200 and shown.json["flavor"]["id"] == stored


@pytest.mark.parametrize("fields", [{"id": None}, {}])
def test_create_id_null_or_absent_is_a_generated_uuid(cloud, fields):
    created = _create(cloud, name="generated", **fields)
    assert str(uuid.UUID(created["id"])) == created["id"]


@pytest.mark.parametrize(("given", "detail"), [
    ("", "Invalid input for field/attribute flavor/id. Value: . '' should be non-empty"),
    ("a/b", "Invalid input for field/attribute flavor/id. Value: a/b. 'a/b' does not match "
            "'^(?! )[a-zA-Z0-9. _-]+(?<! )$'"),
    (" lead", "Invalid input for field/attribute flavor/id. Value:  lead. ' lead' does not match "
              "'^(?! )[a-zA-Z0-9. _-]+(?<! )$'"),
    (True, "Invalid input for field/attribute flavor/id. Value: true. True is not of type "
           "'string', 'number', 'null'"),
    ({"a": 1}, None), (["1"], None), ("x" * 256, None),
])
def test_create_bad_id_is_400_with_the_schema_message(cloud, given, detail):
    before = _rows(cloud)
    resp = cloud.api.post("/flavors", json={"flavor": {
        "name": "f", "ram": 512, "vcpus": 1, "disk": 1, "id": given}})
    assert resp.status == 400 and resp.fault[0] == "badRequest", resp
    assert resp.message.startswith("Invalid input for field/attribute flavor/id.")
    if detail is not None:
        assert resp.message == detail
    assert _rows(cloud) == before


def test_description_needs_255_and_update(cloud):
    resp = cloud.api.post("/flavors", json={"flavor": {
        "name": "f", "ram": 1, "vcpus": 1, "disk": 0, "description": "x"}}, version="2.54")
    assert resp.status == 400 and resp.fault[0] == "badRequest"
    _create(cloud, id="f1")
    assert cloud.api.put("/flavors/f1", json={"flavor": {"description": "d"}},
                         version="2.54").status == 404
    updated = cloud.api.put("/flavors/f1", json={"flavor": {"description": "d"}})
    assert updated.status == 200 and updated.json["flavor"]["description"] == "d"
    assert cloud.api.put("/flavors/f1", json={"flavor": {"name": "x"}}).status == 400
    assert cloud.api.put("/flavors/nope", json={"flavor": {"description": "d"}}).status == 404


@pytest.mark.parametrize("body", [
    {},
    {"flavor": {}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1}},
    {"flavor": {"name": "", "ram": 512, "vcpus": 1, "disk": 1}},
    {"flavor": {"name": " f", "ram": 512, "vcpus": 1, "disk": 1}},
    {"flavor": {"name": "f", "ram": 0, "vcpus": 1, "disk": 1}},
    {"flavor": {"name": "f", "ram": -1, "vcpus": 1, "disk": 1}},
    {"flavor": {"name": "f", "ram": "abc", "vcpus": 1, "disk": 1}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 0, "disk": 1}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": -1}},
    {"flavor": {"name": "f", "ram": 2**31, "vcpus": 1, "disk": 1}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": 1, "swap": -1}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": 1, "rxtx_factor": 0}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": 1, "id": ""}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": 1, "id": "a/b"}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": 1,
                "os-flavor-access:is_public": "maybe"}},
    {"flavor": {"name": "f", "ram": 512, "vcpus": 1, "disk": 1, "colour": "red"}},
    ["flavor"],
])
def test_bad_create_is_400_and_writes_nothing(cloud, body):
    before = _rows(cloud)
    resp = cloud.api.post("/flavors", json=body)
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest" and resp.message
    assert _rows(cloud) == before


def test_duplicates_are_409(cloud):
    _create(cloud, id="1", name="one")
    for fields in ({"id": "1", "name": "other"}, {"id": "2", "name": "one"}):
        resp = cloud.api.post("/flavors", json={"flavor": {"ram": 1, "vcpus": 1, "disk": 0,
                                                           **fields}})
        assert resp.status == 409 and resp.fault[0] == "conflictingRequest", resp
    assert _rows(cloud)["flavors"] == 1


def test_member_cannot_manage_but_can_read(cloud):
    _create(cloud, id="pub", name="pub")
    member = cloud.api.as_user()
    resp = member.post("/flavors", json={"flavor": {"name": "x", "ram": 1, "vcpus": 1,
                                                    "disk": 0}})
    assert resp.status == 403 and resp.fault[0] == "forbidden"
    assert member.delete("/flavors/pub").status == 403
    assert member.post("/flavors/pub/os-extra_specs",
                       json={"extra_specs": {"a": "b"}}).status == 403
    assert member.get("/flavors/pub").status == 200
    assert [f["id"] for f in member.get("/flavors").json["flavors"]] == ["pub"]
    assert member.get("/flavors/pub/os-extra_specs").json == {"extra_specs": {}}
    assert member.get("/flavors/nope").status == 404


def test_private_flavors_and_access(cloud):
    _create(cloud, id="pub", name="pub")
    _create(cloud, id="priv", name="priv", **{"os-flavor-access:is_public": False})
    member = cloud.api.as_user(project="p1")
    assert member.get("/flavors/priv").status == 404
    assert [f["id"] for f in member.get("/flavors").json["flavors"]] == ["pub"]
    assert cloud.api.get("/flavors/priv/os-flavor-access").json == {"flavor_access": []}
    added = cloud.api.post("/flavors/priv/action", json={"addTenantAccess": {"tenant": "p1"}})
    assert added.status == 200
    assert added.json == {"flavor_access": [{"flavor_id": "priv", "tenant_id": "p1"}]}
    again = cloud.api.post("/flavors/priv/action", json={"addTenantAccess": {"tenant": "p1"}})
    assert again.status == 409
    assert member.get("/flavors/priv").status == 200
    assert [f["id"] for f in member.get("/flavors").json["flavors"]] == ["priv", "pub"]
    assert member.get("/flavors/priv/os-flavor-access").status == 403
    # Admin listing: public by default, private with is_public=false, all with none.
    ids = lambda params: [f["id"] for f in cloud.api.get("/flavors", params=params)  # noqa: E731
                          .json["flavors"]]
    assert ids({}) == ["pub"]
    assert ids({"is_public": "false"}) == ["priv"]
    assert ids({"is_public": "None"}) == ["priv", "pub"]
    assert cloud.api.get("/flavors", params={"is_public": "maybe"}).status == 400
    # Public flavors have no access list and refuse access from 2.7.
    assert cloud.api.get("/flavors/pub/os-flavor-access").status == 404
    assert cloud.api.post("/flavors/pub/action",
                          json={"addTenantAccess": {"tenant": "p1"}}).status == 409
    assert cloud.api.post("/flavors/pub/action", json={"addTenantAccess": {"tenant": "p1"}},
                          version="2.6").status == 200
    removed = cloud.api.post("/flavors/priv/action",
                             json={"removeTenantAccess": {"tenant": "p1"}})
    assert removed.status == 200 and removed.json == {"flavor_access": []}
    assert cloud.api.post("/flavors/priv/action",
                          json={"removeTenantAccess": {"tenant": "p1"}}).status == 404
    assert cloud.api.post("/flavors/priv/action", json={"grant": {"tenant": "p1"}}).status == 400
    assert cloud.api.post("/flavors/nope/action",
                          json={"addTenantAccess": {"tenant": "p1"}}).status == 404


def test_extra_specs(cloud):
    _create(cloud, id="f1")
    created = cloud.api.post("/flavors/f1/os-extra_specs", json={"extra_specs": {
        "resources:VCPU": "2", "trait:HW_CPU_X86_AVX2": "required", "hw:cpu_policy":
        "dedicated", "free-form": True}})
    assert created.status == 200, created
    assert created.json["extra_specs"]["free-form"] == "True"
    assert cloud.api.get("/flavors/f1/os-extra_specs/hw:cpu_policy").json == \
        {"hw:cpu_policy": "dedicated"}
    assert cloud.api.get("/flavors/f1").json["flavor"]["extra_specs"]["resources:VCPU"] == "2"
    put = cloud.api.put("/flavors/f1/os-extra_specs/resources:VCPU",
                        json={"resources:VCPU": "4"})
    assert put.status == 200 and put.json == {"resources:VCPU": "4"}
    assert cloud.api.put("/flavors/f1/os-extra_specs/resources:VCPU",
                         json={"resources:MEMORY_MB": "4"}).status == 400
    assert cloud.api.put("/flavors/f1/os-extra_specs/a",
                         json={"a": "1", "b": "2"}).status == 400
    assert cloud.api.delete("/flavors/f1/os-extra_specs/free-form").status == 202
    assert cloud.api.delete("/flavors/f1/os-extra_specs/free-form").status == 404
    assert cloud.api.get("/flavors/f1/os-extra_specs/free-form").status == 404
    assert cloud.api.get("/flavors/nope/os-extra_specs").status == 404
    assert cloud.api.get("/flavors/f1/os-extra_specs").json == {"extra_specs": {
        "resources:VCPU": "4", "trait:HW_CPU_X86_AVX2": "required",
        "hw:cpu_policy": "dedicated"}}


@pytest.mark.parametrize("specs", [
    {"resources:VCPU": "-1"},
    {"resources:NOT_A_CLASS": "1"},
    {"resources1:VCPU": "x"},
    {"trait:HW_CPU_X86_AVX2": "wanted"},
    {"trait:NOT_A_TRAIT": "required"},
    {"group_policy": "sometimes"},
    {"hw:cpu_policy": "exclusive"},
    {"hw:no_such_key": "1"},
    {"hw:numa_nodes": "0"},
    {"hw:mem_page_size": "huge"},
    {"hw_rng:rate_bytes": "many"},
    {"bad/key": "1"},
    {"k": "v" * 256},
])
def test_extra_spec_validation_from_2_86(cloud, specs):
    _create(cloud, id="f1")
    before = _rows(cloud)
    resp = cloud.api.post("/flavors/f1/os-extra_specs", json={"extra_specs": specs})
    assert resp.status == 400 and resp.fault[0] == "badRequest", resp
    assert _rows(cloud) == before
    lenient = not ("/" in next(iter(specs)) or len(next(iter(specs.values()))) > 255)
    older = cloud.api.post("/flavors/f1/os-extra_specs", json={"extra_specs": specs},
                           version="2.85")
    assert older.status == (200 if lenient else 400)


def test_good_namespaced_specs_pass_2_86(cloud):
    _create(cloud, id="f1")
    specs = {"resources_g1:CUSTOM_GOLD": "1", "trait1:CUSTOM_FAST": "forbidden",
             "group_policy": "isolate", "hw:mem_page_size": "2MB", "hw:numa_cpus.0": "0-1",
             "hw:numa_mem.0": "1024", "aggregate_instance_extra_specs:ssd": "true",
             "quota:cpu_shares": "10", "capabilities:hypervisor_type": "fake"}
    assert cloud.api.post("/flavors/f1/os-extra_specs",
                          json={"extra_specs": specs}).status == 200


def test_list_filters_sorting_and_paging(cloud):
    for n, (ram, disk) in enumerate([(512, 1), (2048, 20), (4096, 40), (8192, 80)], 1):
        _create(cloud, id=str(n), name=f"m1.{n}", ram=ram, disk=disk)
    ids = lambda **params: [f["id"] for f in cloud.api.get(  # noqa: E731
        "/flavors/detail", params=params).json["flavors"]]
    assert ids() == ["1", "2", "3", "4"]
    assert ids(minRam="2048") == ["2", "3", "4"]
    assert ids(minDisk="40") == ["3", "4"]
    assert ids(sort_key="memory_mb", sort_dir="desc") == ["4", "3", "2", "1"]
    assert ids(sort_key="name", sort_dir="desc", marker="3") == ["2", "1"]
    assert ids(limit="2", marker="1") == ["2", "3"]
    page = cloud.api.get("/flavors", params={"limit": "2"}).json
    assert [f["id"] for f in page["flavors"]] == ["1", "2"]
    assert page["flavors_links"][0]["rel"] == "next"
    assert "marker=2" in page["flavors_links"][0]["href"]
    assert "flavors_links" not in cloud.api.get("/flavors", params={"limit": "10"}).json
    for params in ({"minRam": "x"}, {"minDisk": "-1"}, {"sort_key": "colour"},
                   {"sort_dir": "sideways"}, {"limit": "-1"}, {"limit": "a"},
                   {"marker": "nope"}):
        resp = cloud.api.get("/flavors", params=params)
        assert resp.status == 400 and resp.fault[0] == "badRequest", (params, resp)


def test_delete(cloud):
    _create(cloud, id="f1", **{"os-flavor-access:is_public": False})
    cloud.api.post("/flavors/f1/os-extra_specs", json={"extra_specs": {"a": "b"}})
    cloud.api.post("/flavors/f1/action", json={"addTenantAccess": {"tenant": "p1"}})
    assert cloud.api.delete("/flavors/f1").status == 202
    assert _rows(cloud) == {"flavors": 0, "flavor_extra_specs": 0, "flavor_projects": 0}
    assert cloud.api.delete("/flavors/f1").status == 404
    assert cloud.api.get("/flavors/f1").status == 404
