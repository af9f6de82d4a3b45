"""Service sessions hand requests for an endpoint this process serves to
its WSGI app, and give back what HTTP would have."""
from __future__ import annotations

import json

import pytest
import requests
from requests.adapters import HTTPAdapter

from nubes.common import local_wsgi
from nubes.common.http_session import service_session

ENDPOINT = "http://127.0.0.1:1/placement"     # nothing listens on port 1


def echo_app(environ, start_response):
    """Answers with what it was given; 404 under /missing."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "body": environ["wsgi.input"].read(length).decode(),
        "content_type": environ.get("CONTENT_TYPE"),
        "token": environ.get("HTTP_X_AUTH_TOKEN"),
        "version": environ.get("HTTP_OPENSTACK_API_VERSION"),
    }
    status = "404 Not Found" if environ["PATH_INFO"].startswith("/placement/missing") \
        else "201 Created"
    start_response(status, [("Content-Type", "application/json"),
                            ("OpenStack-API-Version", "placement 1.39")])
    return [json.dumps(seen).encode()]


@pytest.fixture
def registered():
    local_wsgi.register(ENDPOINT, echo_app)
    yield
    local_wsgi.unregister(ENDPOINT)


def test_requests_reach_the_app_with_method_path_query_headers_and_body(registered):
    session = service_session(ENDPOINT, HTTPAdapter())
    session.headers["X-Auth-Token"] = "secret"
    resp = session.request("PUT", ENDPOINT + "/allocations/a%20b",
                           params={"resources": "VCPU:1", "limit": 5, "skipped": None,
                                   "member_of": ["a", "b"]},
                           json={"allocations": {}},
                           headers={"OpenStack-API-Version": "placement 1.28"})
    assert resp.status_code == 201 and resp.reason == "Created"
    assert resp.headers["openstack-api-version"] == "placement 1.39"
    seen = resp.json()
    assert seen["method"] == "PUT"
    assert seen["path"] == "/placement/allocations/a b"
    assert seen["query"] == "resources=VCPU%3A1&limit=5&member_of=a&member_of=b"
    assert json.loads(seen["body"]) == {"allocations": {}}
    assert seen["content_type"] == "application/json"
    assert (seen["token"], seen["version"]) == ("secret", "placement 1.28")


def test_error_statuses_come_back_as_they_are(registered):
    resp = service_session(ENDPOINT, HTTPAdapter()).get(ENDPOINT + "/missing/x")
    assert resp.status_code == 404 and not resp.ok
    assert resp.json()["method"] == "GET" and resp.json()["body"] == ""


def test_the_query_is_encoded_as_requests_encodes_it(registered):
    params = [("resources", "VCPU:1,MEMORY_MB:512"), ("member_of", "in:a,b"),
              ("required", "!CUSTOM_X"), ("limit", 3)]
    local = service_session(ENDPOINT, HTTPAdapter()).get(ENDPOINT + "/x", params=params)
    prepared = requests.Request("GET", ENDPOINT + "/x", params=params).prepare()
    assert local.json()["query"] == prepared.url.split("?", 1)[1]


def test_without_registration_the_session_uses_http():
    session = service_session(ENDPOINT, HTTPAdapter(max_retries=0))
    with pytest.raises(Exception) as failure:
        session.get(ENDPOINT + "/", timeout=2)
    assert "Connection" in type(failure.value).__name__ or "refused" in str(failure.value)


def test_unregister_stops_handing_over(registered):
    local_wsgi.unregister(ENDPOINT)
    assert local_wsgi.app_for(ENDPOINT) is None
    assert local_wsgi.app_for(ENDPOINT + "/") is None


def test_the_callee_request_id_does_not_stick_to_the_caller():
    from nubes.common import log

    def app(environ, start_response):
        log.request_id_var.set("req-callee")   # as the request id middleware does
        start_response("200 OK", [])
        return [b""]

    local_wsgi.register(ENDPOINT, app)
    token = log.request_id_var.set("req-caller")
    try:
        service_session(ENDPOINT, HTTPAdapter()).get(ENDPOINT + "/x")
        assert log.request_id_var.get() == "req-caller"
    finally:
        log.request_id_var.reset(token)
        local_wsgi.unregister(ENDPOINT)
