"""The version document, microversion negotiation, auth and error shapes."""
import re

from nubes.placement import microversions


def test_root_needs_no_token(placement):
    anonymous = placement.as_user()
    anonymous.default_headers = {}
    resp = anonymous.get("/", version=None)
    assert resp.status == 200
    version = resp.json["versions"][0]
    assert version["id"] == "v1.0"
    assert version["min_version"] == "1.0"
    assert version["max_version"] == "1.39"
    assert version["status"] == "CURRENT"


def test_newest_microversion_is_pinned():
    # Adding a version means adding its line to VERSIONS and its tests.
    assert str(microversions.MAXIMUM) == "1.39"
    assert len(microversions.VERSIONS) == 40


def test_default_version_is_the_minimum(placement):
    resp = placement.get("/resource_providers", version=None)
    assert resp.status == 200
    assert resp.headers["OpenStack-API-Version"] == "placement 1.0"
    assert resp.headers["Vary"] == "openstack-api-version"


def test_latest_means_the_maximum(placement):
    resp = placement.get("/resource_providers", version="latest")
    assert resp.headers["OpenStack-API-Version"] == "placement 1.39"


def test_out_of_range_version_is_406_naming_the_range(placement):
    for version in ("1.40", "2.0", "0.9"):
        resp = placement.get("/", version=version)
        assert resp.status == 406, version
        error = resp.json["errors"][0]
        assert error["min_version"] == "1.0" and error["max_version"] == "1.39"


def test_malformed_version_is_400(placement):
    for version in ("1.x", "one", "1.1.2", "1", "-1.2"):
        resp = placement.get("/", version=version)
        assert resp.status == 400, version
        assert resp.json["errors"][0]["status"] == 400


def test_other_services_header_is_ignored(placement):
    resp = placement.get("/resource_providers", version=None,
                         headers={"OpenStack-API-Version": "compute 2.90"})
    assert resp.status == 200
    assert resp.headers["OpenStack-API-Version"] == "placement 1.0"


def test_missing_token_is_401_except_at_root(placement):
    anonymous = placement.as_user()
    anonymous.default_headers = {}
    resp = anonymous.get("/resource_providers")
    assert resp.status == 401
    assert resp.json["errors"][0]["title"] == "Unauthorized"


def test_unknown_path_is_json_404(placement):
    resp = placement.get("/no_such_thing")
    assert resp.status == 404
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json["errors"][0]["status"] == 404


def test_wrong_method_is_405_with_allow(placement):
    resp = placement.request("PATCH", "/resource_providers")
    assert resp.status == 405
    allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert resp.json["errors"][0]["status"] == 405


def test_error_code_appears_from_1_23(placement):
    missing = "/resource_providers/7d4b4a4c-2f5e-4a49-9d6f-0c3f5f2a3b11"
    assert "code" not in placement.get(missing, version="1.22").json["errors"][0]
    resp = placement.get(missing, version="1.23")
    assert resp.json["errors"][0]["code"] == "placement.resource_provider.not_found"


def test_request_id_is_returned_and_in_error_bodies(placement):
    resp = placement.get("/resource_providers/nope", version="1.23")
    request_id = resp.headers["X-OpenStack-Request-ID"]
    assert re.match(r"^req-[0-9a-f-]{36}$", request_id)
    assert resp.json["errors"][0]["request_id"] == request_id


def test_last_modified_from_1_15(placement):
    assert "Last-Modified" not in placement.get("/resource_providers", version="1.14").headers
    resp = placement.get("/resource_providers", version="1.15")
    assert "Last-Modified" in resp.headers
    assert resp.headers["Cache-Control"] == "no-cache"
