"""Version documents, microversion negotiation, request ids, URL forms and
the fault body, as the real clients see them."""
from __future__ import annotations

import pytest

from nubes.api.compute import microversions

VARY = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"


def test_newest_microversion_is_pinned():
    # Raising it means implementing (and testing) the new version's changes.
    assert str(microversions.MAXIMUM) == "2.96"
    assert str(microversions.MINIMUM) == "2.1"
    assert len(microversions.VERSIONS) == 96
    assert [int(v.split(".")[1]) for v in microversions.VERSIONS] == list(range(1, 97))


def test_root_lists_both_versions_without_a_token(cloud):
    resp = cloud.api.get("//", headers={"X-Auth-Token": ""}, version=None)
    assert resp.status == 200, resp
    v20, v21 = resp.json["versions"]
    assert v20["id"] == "v2.0" and v20["status"] == "DEPRECATED"
    assert v20["version"] == "" and v20["min_version"] == ""
    assert v21 == {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
                   "updated": "2013-07-23T11:33:21Z",
                   "links": [{"rel": "self", "href": cloud.url + "/v2.1/"}]}
    assert v20["links"] == [{"rel": "self", "href": cloud.url + "/v2/"}]


@pytest.mark.parametrize("path", ["//v2.1", "//v2.1/"])
def test_v2_1_document_with_and_without_slash(cloud, path):
    resp = cloud.api.get(path, headers={"X-Auth-Token": ""}, version=None)
    assert resp.status == 200, resp
    doc = resp.json["version"]
    assert doc["id"] == "v2.1" and doc["status"] == "CURRENT"
    assert doc["version"] == "2.96" and doc["min_version"] == "2.1"
    assert doc["media-types"] == [{"base": "application/json",
                                   "type": "application/vnd.openstack.compute+json;version=2.1"}]
    assert {"rel": "self", "href": cloud.url + "/v2.1/"} in doc["links"]
    assert resp.headers["OpenStack-API-Version"] == "compute 2.1"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == "2.1"


@pytest.mark.parametrize("path", ["//v2/", "//v2"])
def test_legacy_v2_document(cloud, path):
    resp = cloud.api.get(path, headers={"X-Auth-Token": ""}, version=None)
    assert resp.status == 200, resp
    doc = resp.json["version"]
    assert doc["id"] == "v2.0" and doc["status"] == "DEPRECATED"
    assert doc["media-types"][0]["type"] == "application/vnd.openstack.compute+json;version=2"


@pytest.mark.parametrize("headers, expected", [
    ({}, "2.1"),
    ({"OpenStack-API-Version": "compute 2.53"}, "2.53"),
    ({"X-OpenStack-Nova-API-Version": "2.60"}, "2.60"),
    ({"OpenStack-API-Version": "compute latest"}, "2.96"),
    ({"X-OpenStack-Nova-API-Version": "latest"}, "2.96"),
    # The new header wins over the legacy one.
    ({"OpenStack-API-Version": "compute 2.11", "X-OpenStack-Nova-API-Version": "2.60"}, "2.11"),
    # Another service's version is not ours.
    ({"OpenStack-API-Version": "placement 1.30"}, "2.1"),
])
def test_negotiation_echoes_both_headers(cloud, headers, expected):
    resp = cloud.api.get("/os-services", version=None, headers=headers)
    assert resp.status == 200, resp
    assert resp.headers["OpenStack-API-Version"] == f"compute {expected}"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == expected
    assert resp.headers["Vary"] == VARY


@pytest.mark.parametrize("value", ["2.97", "2.0", "3.0", "1.1"])
def test_out_of_range_is_406(cloud, value):
    resp = cloud.api.get("/os-services", version=value)
    assert resp.status == 406, resp
    name, fault = resp.fault
    assert name == "computeFault" and fault["code"] == 406
    assert "Minimum is 2.1 and maximum is 2.96" in fault["message"]
    assert resp.headers["Vary"] == VARY


@pytest.mark.parametrize("value", ["2", "two.one", "2.1.1", "2.x"])
def test_malformed_is_400(cloud, value):
    resp = cloud.api.get("/os-services", version=None,
                         headers={"X-OpenStack-Nova-API-Version": value})
    assert resp.status == 400, resp
    assert resp.fault[0] == "badRequest"
    assert "invalid format" in resp.message


def test_request_id_headers_by_microversion(cloud):
    old = cloud.api.get("/os-services", version="2.45")
    assert old.headers["x-compute-request-id"].startswith("req-")
    assert "x-openstack-request-id" not in old.headers
    new = cloud.api.get("/os-services", version="2.46")
    assert new.headers["x-openstack-request-id"] == new.headers["x-compute-request-id"]


def test_project_scoped_urls_route(cloud):
    cloud.deployment.add_compute_host("cell1", "h1")
    plain = cloud.api.get("/os-services")
    scoped = cloud.api.get("/admin/os-services")
    assert scoped.status == 200, scoped
    assert scoped.json == plain.json
    assert cloud.api.get("/admin/os-hypervisors/detail").status == 200


def test_project_in_url_must_be_the_callers(cloud):
    resp = cloud.api.get("/someone-else/os-services")
    assert resp.status == 400, resp
    assert "doesn't match" in resp.message


def test_legacy_v2_routes_speak_2_1_without_version_headers(cloud):
    cloud.deployment.add_compute_host("cell1", "h1")
    resp = cloud.api.get("//v2/admin/os-services", version="2.53")
    assert resp.status == 200, resp
    assert isinstance(resp.json["services"][0]["id"], int)       # 2.1 view
    assert "OpenStack-API-Version" not in resp.headers
    assert "forced_down" not in resp.json["services"][0]
    assert cloud.api.get("//v2/os-services").status == 404        # v2 needs the project


def test_unknown_path_is_item_not_found(cloud):
    resp = cloud.api.get("/os-nothing")
    assert resp.status == 404
    assert resp.fault == ("itemNotFound", {"code": 404,
                                           "message": "The resource could not be found."})


def test_wrong_method_is_bad_method(cloud):
    resp = cloud.api.delete("/os-services")
    assert resp.status == 405
    assert resp.fault[0] == "badMethod"


def test_no_token_is_unauthorized(cloud):
    resp = cloud.api.get("/os-services", headers={"X-Auth-Token": ""})
    assert resp.status == 401
    assert resp.fault[0] == "unauthorized"
