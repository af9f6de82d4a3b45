"""noauth2 tokens through placement: ``admin`` and ``admin:admin`` (the
``user:project`` form, user ``admin``) both carry the admin role; other
tokens take their identity from the headers."""
from __future__ import annotations

import pytest

from tests.fixtures.placement import PlacementClient


def _client(placement, token: str, **headers) -> PlacementClient:
    return PlacementClient(placement.base_url, headers={"X-Auth-Token": token, **headers})


@pytest.mark.parametrize("token", ["admin", "admin:admin", "admin:p1"])
def test_admin_tokens_are_admin(placement, token):
    client = _client(placement, token)
    assert client.get("/resource_providers").status == 200
    resp = client.post("/resource_providers", json={"name": f"by-{token}"})
    assert resp.status == 200, resp


@pytest.mark.parametrize("token", ["demo:demo", "demo", "administrator", "x:admin", ":admin"])
def test_other_tokens_are_not_admin_without_roles(placement, token):
    resp = _client(placement, token).get("/resource_providers")
    assert resp.status == 403, resp
    assert resp.error_code == "placement.undefined_code"


def test_other_tokens_take_roles_from_headers(placement):
    client = _client(placement, "demo:demo", **{"X-User-Id": "u", "X-Project-Id": "p",
                                                 "X-Roles": "admin"})
    assert client.get("/resource_providers").status == 200


def test_no_token_is_401(placement):
    resp = PlacementClient(placement.base_url, headers={}).get("/resource_providers")
    assert resp.status == 401
