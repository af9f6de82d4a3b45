"""The HTTP layer as OpenStack Placement serves it: 405s naming only the
route's methods, OPTIONS without CORS, Accept negotiation (406, HTML and
plain-text error pages), bodies without a content type, bodiless answers
without one, caching headers and the Vary spelling."""
from __future__ import annotations

import pytest

from nubes.placement import negotiation

MISSING = "99999999-9999-4999-8999-999999999999"
ROUTE_METHODS = [
    ("/resource_providers", "GET, POST"),
    ("/resource_providers/" + MISSING, "GET, DELETE, PUT"),
    ("/resource_providers/" + MISSING + "/inventories", "GET, POST, PUT, DELETE"),
    ("/resource_providers/" + MISSING + "/usages", "GET"),
    ("/allocations", "POST"),
    ("/allocation_candidates", "GET"),
    ("/traits/CUSTOM_X", "GET, PUT, DELETE"),
    ("/reshaper", "POST"),
]


@pytest.mark.parametrize("path,allow", ROUTE_METHODS)
def test_405_allow_lists_only_the_routes_methods(placement, path, allow):
    resp = placement.request("PATCH", path)
    assert resp.status == 405, resp
    assert resp.headers["Allow"] == allow
    error = resp.json["errors"][0]
    assert error["detail"] == ("The method PATCH is not allowed for this resource. \n\n "
                               "The method specified is not allowed for this resource.")
    assert error["code"] == "placement.undefined_code"


def test_options_without_cors_is_405(placement):
    resp = placement.request("OPTIONS", "/resource_providers")
    assert resp.status == 405, resp
    assert resp.headers["Allow"] == "GET, POST"
    assert "The method OPTIONS is not allowed" in resp.error_detail


def test_head_is_not_a_get(placement):
    resp = placement.request("HEAD", "/resource_providers")
    assert resp.status == 405
    assert resp.headers["Allow"] == "GET, POST"


@pytest.mark.parametrize("accept", ["text/plain", "text/html", "application/json;q=0",
                                    "application/json;q=0, */*", "image/*"])
def test_accept_excluding_json_is_406(placement, accept):
    resp = placement.get("/resource_providers", headers={"Accept": accept})
    assert resp.status == 406, resp
    assert "Only application/json is provided" in resp.text


@pytest.mark.parametrize("accept", ["*/*", "application/*", "application/json",
                                    "text/html;q=0.9, application/json;q=0.1",
                                    "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_accept_including_json_is_served(placement, accept):
    resp = placement.get("/resource_providers", headers={"Accept": accept})
    assert resp.status == 200, resp
    assert resp.json == {"resource_providers": []}


def test_accept_is_checked_on_gets_only(placement):
    resp = placement.post("/resource_providers", json={"name": "a"},
                          headers={"Accept": "text/plain"})
    assert resp.status == 200, resp
    # The version document is a JSON-only GET too.
    assert placement.get("/", headers={"Accept": "text/plain"}).status == 406


def test_error_bodies_honour_accept_text_html(placement):
    resp = placement.get(f"/resource_providers/{MISSING}",
                         headers={"Accept": "text/html, application/json"})
    assert resp.status == 404
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "<title>404 Not Found</title>" in resp.text
    assert f"No resource provider with uuid {MISSING} found" in resp.text


def test_error_bodies_fall_back_to_plain_text(placement):
    resp = placement.delete(f"/resource_providers/{MISSING}", headers={"Accept": "text/plain"})
    assert resp.status == 404
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.text.startswith("404 Not Found\n\n")
    assert f"No resource provider with uuid {MISSING} found" in resp.text


def test_error_bodies_are_json_by_default(placement):
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        resp = placement.get(f"/resource_providers/{MISSING}", headers=headers)
        assert resp.status == 404
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.json["errors"][0]["code"] == "placement.resource_provider.not_found"


def test_body_without_content_type_is_400(placement):
    resp = placement.post("/resource_providers", data=b'{"name": "a"}',
                          headers={"Content-Type": ""})
    assert resp.status == 400, resp
    assert resp.error_detail == "content-type header required when content-length > 0"
    wrong = placement.post("/resource_providers", data=b'{"name": "a"}',
                           headers={"Content-Type": "text/plain"})
    assert wrong.status == 415, wrong


def test_bodiless_answers_have_no_content_type(placement):
    created = placement.put("/traits/CUSTOM_BODILESS")
    assert created.status == 201 and "Content-Type" not in created.headers
    again = placement.put("/traits/CUSTOM_BODILESS")
    assert again.status == 204 and "Content-Type" not in again.headers
    rc = placement.put("/resource_classes/CUSTOM_BODILESS")
    assert rc.status == 201 and "Content-Type" not in rc.headers
    old = placement.post("/resource_providers", json={"name": "old"}, version="1.19")
    assert old.status == 201 and "Content-Type" not in old.headers
    deleted = placement.delete("/resource_providers/" + old.headers["Location"].rsplit("/", 1)[1])
    assert deleted.status == 204 and "Content-Type" not in deleted.headers


def test_locations_are_absolute(placement):
    base = placement.base_url
    old = placement.post("/resource_providers", json={"name": "old"}, version="1.19")
    assert old.headers["Location"].startswith(base + "/resource_providers/")
    rc = placement.post("/resource_classes", json={"name": "CUSTOM_LOC"})
    assert rc.headers["Location"] == base + "/resource_classes/CUSTOM_LOC"
    rc = placement.put("/resource_classes/CUSTOM_LOC2")
    assert rc.headers["Location"] == base + "/resource_classes/CUSTOM_LOC2"
    trait = placement.put("/traits/CUSTOM_LOC")
    assert trait.headers["Location"] == base + "/traits/CUSTOM_LOC"


def test_root_carries_caching_headers_from_1_15(placement):
    new = placement.get("/", version="1.15")
    assert new.headers["Cache-Control"] == "no-cache" and "Last-Modified" in new.headers
    old = placement.get("/", version="1.14")
    assert "Cache-Control" not in old.headers and "Last-Modified" not in old.headers


def test_which_answers_carry_caching_headers(placement):
    # Bodied GETs and the trait answers do; PUT /resource_classes/{name}
    # and the 204s of deletes and allocation writes do not.
    assert "Last-Modified" in placement.get("/traits").headers
    assert "Last-Modified" in placement.put("/traits/CUSTOM_CACHED").headers
    assert "Last-Modified" in placement.get("/traits/CUSTOM_CACHED").headers
    rc = placement.put("/resource_classes/CUSTOM_CACHED")
    assert "Last-Modified" not in rc.headers and "Cache-Control" not in rc.headers
    deleted = placement.delete("/traits/CUSTOM_CACHED")
    assert deleted.status == 204 and "Last-Modified" not in deleted.headers


def test_vary_is_spelled_as_placement_spells_it(placement):
    resp = placement.get("/resource_providers")
    assert resp.headers["Vary"] == "openstack-api-version"
    error = placement.get(f"/resource_providers/{MISSING}")
    assert error.headers["Vary"] == "openstack-api-version"


@pytest.mark.parametrize("accept,expected", [
    (None, "application/json"), ("*/*", "application/json"),
    ("text/html", "text/html"), ("text/html, application/json", "text/html"),
    ("application/json, text/html;q=0.5", "application/json"),
    ("text/plain", "text/plain"), ("*/*;q=0.5", "text/html"),
])
def test_error_media_type_choice(accept, expected):
    assert negotiation.error_media_type(accept) == expected
