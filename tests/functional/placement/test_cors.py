"""CORS: off unless [cors] allowed_origin is set; preflights need no token."""
from __future__ import annotations

import pytest
import requests

from nubes.placement import app as placement_app
from tests.conftest import placement_conf
from tests.fixtures.servers import ThreadedServer

ORIGIN = "https://dashboard.example.org"


@pytest.fixture
def cors_server(placement_database):
    conf = placement_conf(placement_database.url, cors={"allowed_origin": [ORIGIN]})
    with ThreadedServer(placement_app.build(conf, placement_database)) as server:
        yield server


def test_preflight_is_answered_without_a_token(cors_server):
    resp = requests.options(cors_server.url + "/resource_providers", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Auth-Token"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "GET" in resp.headers["Access-Control-Allow-Methods"]


def test_allowed_origin_gets_cors_headers(cors_server):
    resp = requests.get(cors_server.url + "/resource_providers",
                        headers={"Origin": ORIGIN, "X-Auth-Token": "admin"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-OpenStack-Request-ID" in resp.headers["Access-Control-Expose-Headers"]


def test_other_origins_get_none(cors_server):
    resp = requests.get(cors_server.url + "/resource_providers",
                        headers={"Origin": "https://evil.example", "X-Auth-Token": "admin"})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_is_off_by_default(placement_server):
    resp = requests.get(placement_server.url + "/",
                        headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_preflight_for_a_header_not_allowed_gets_no_grant(cors_server):
    resp = requests.options(cors_server.url + "/resource_providers", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Auth-Token, X-Sneaky"})
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert "Access-Control-Allow-Methods" not in resp.headers


def test_preflight_lists_the_configured_headers(cors_server):
    resp = requests.options(cors_server.url + "/resource_providers", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-auth-token,openstack-api-version"})
    allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-auth-token", "openstack-api-version", "content-type"} <= allowed
