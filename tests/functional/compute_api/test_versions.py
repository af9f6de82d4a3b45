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


@pytest.mark.parametrize("version", ["2.1", "2.45", "2.46", None])
@pytest.mark.parametrize("path", ["/os-services", "/servers/no-such-server", "/flavors"])
def test_both_request_id_headers_at_every_microversion(cloud, version, path):
    """Clients below 2.46 read x-openstack-request-id too (after a create:
    without it they fail and leak the server)."""
    resp = cloud.api.get(path, version=version)
    request_id = resp.headers["x-openstack-request-id"]
    assert request_id.startswith("req-")
    assert resp.headers["x-compute-request-id"] == request_id
