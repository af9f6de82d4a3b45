"""A provider, image or tag named "a\\u0000b" was stored on SQLite and a 500
on PostgreSQL (which cannot store NUL).  NUL anywhere in a body, a path or
a query string is now a 400 with the API's error body, on every backend,
and nothing is written."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.fixtures.cloud import ServersCloud, server_body

NUL_NAMES = ["a\u0000b", "\u0000", "ok\u0000"]


@pytest.mark.parametrize("name", NUL_NAMES)
def test_placement_refuses_nul_in_bodies_on_every_backend(placement, name):
    rp = str(uuid.uuid4())
    resp = placement.post("/resource_providers", json={"name": name, "uuid": rp})
    assert resp.status == 400, resp
    assert "NUL" in resp.error_detail
    resp = placement.post("/resource_providers", json={"name": "fine", "uuid": rp})
    assert resp.status in (200, 201), resp
    resp = placement.put(f"/resource_providers/{rp}", json={"name": name})
    assert resp.status == 400, resp
    resp = placement.put(f"/resource_providers/{rp}/traits", json={
        "resource_provider_generation": 0, "traits": [name]})
    assert resp.status == 400, resp
    assert placement.get(f"/resource_providers/{rp}").json["name"] == "fine"


@pytest.mark.parametrize("query", ["name=a%00b", "member_of=%00", "resources=VCPU%00:1"])
def test_placement_refuses_nul_in_query_strings(placement, query):
    resp = placement.get(f"/resource_providers?{query}")
    assert resp.status == 400, resp
    assert "NUL" in resp.error_detail


def test_placement_refuses_nul_in_paths(placement):
    resp = placement.put("/traits/CUSTOM_A%00B", json=None)
    assert resp.status == 400, resp
    assert placement.get("/traits?name=startswith:CUSTOM_A").json["traits"] == []


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("nul") / "state"), cells=1,
                         hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.mark.slow
@pytest.mark.parametrize("name", NUL_NAMES)
def test_compute_refuses_nul(cloud, name):
    code, body = cloud.demo.post("/servers", server_body(cloud.image_id(),
                                                         metadata={"k": name}))
    assert code == 400, body
    assert "NUL" in body["badRequest"]["message"]
    code, body = cloud.admin.post("/os-aggregates", {"aggregate": {"name": name}})
    assert code == 400, body
    code, body = cloud.admin.get("/flavors?name=a%00b")
    assert code == 400, body
    code, body = cloud.admin.get("/servers?all_tenants=1")
    assert code == 200 and body["servers"] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", NUL_NAMES)
def test_image_refuses_nul(cloud, name):
    url = cloud.embedded.urls["image"] + "/v2/images"
    headers = {"X-Auth-Token": cloud.admin_token}
    resp = requests.post(url, json={"name": name, "tags": ["t"]}, headers=headers,
                         timeout=30)
    assert resp.status_code == 400, resp.text
    resp = requests.post(url, json={"name": "i", "tags": [name]}, headers=headers,
                         timeout=30)
    assert resp.status_code == 400, resp.text
    listed = requests.get(url, headers=headers, timeout=30).json()["images"]
    assert [i["name"] for i in listed] == ["cirros"]
