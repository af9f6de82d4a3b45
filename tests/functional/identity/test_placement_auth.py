"""A token from the identity service at placement (``auth_strategy =
nubes_token``): the token alone says who is asking, with its roles."""
from __future__ import annotations

import datetime
import uuid

import pytest
import requests

from nubes.common import timeutils

pytestmark = pytest.mark.usefixtures("clean_placement")


def _placement(cloud, method: str, path: str, token: str | None, **kwargs) -> requests.Response:
    headers = {"OpenStack-API-Version": "placement 1.39", **kwargs.pop("headers", {})}
    if token is not None:
        headers["X-Auth-Token"] = token
    return requests.request(method, cloud.placement_url + path, headers=headers, timeout=30,
                            **kwargs)


def _assert_unauthorized(cloud, resp: requests.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.json()["errors"][0]["status"] == 401
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{cloud.identity_url}"'


def test_admin_creates_and_lists_providers(cloud):
    admin = cloud.token("admin")
    name = f"rp-{uuid.uuid4().hex[:8]}"
    created = _placement(cloud, "POST", "/resource_providers", admin, json={"name": name})
    assert created.status_code == 200, created.text
    listed = _placement(cloud, "GET", "/resource_providers", admin)
    assert listed.status_code == 200, listed.text
    assert [p["name"] for p in listed.json()["resource_providers"]] == [name]


def test_demo_member_is_forbidden(cloud):
    demo = cloud.token("demo")
    resp = _placement(cloud, "GET", "/resource_providers", demo)
    assert resp.status_code == 403, resp.text
    assert "placement:resource_providers:list" in resp.json()["errors"][0]["detail"]


def test_identity_headers_cannot_raise_a_tokens_roles(cloud):
    demo = cloud.token("demo")
    resp = _placement(cloud, "GET", "/resource_providers", demo,
                      headers={"X-Roles": "admin", "X-User-Id": "admin", "X-Project-Id": "admin"})
    assert resp.status_code == 403


@pytest.mark.parametrize("token", [None, "", "admin", "nubes1.e30.c2lnbmF0dXJl",
                                   "not.a.token"])
def test_missing_or_bad_tokens_get_401(cloud, token):
    _assert_unauthorized(cloud, _placement(cloud, "GET", "/resource_providers", token))


def test_tampered_token_gets_401(cloud):
    prefix, claims, signature = cloud.token("demo").split(".")
    other_claims = cloud.token("admin").split(".")[1]
    forged = ".".join([prefix, other_claims, signature])
    _assert_unauthorized(cloud, _placement(cloud, "GET", "/resource_providers", forged))


def test_expired_token_gets_401(cloud):
    admin = cloud.issue("admin").json()["token"]
    past = timeutils.utcnow() - datetime.timedelta(seconds=3601)
    expired, _ = cloud.codec.issue(user_id=admin["user"]["id"], user_name="admin",
                                   project_id=admin["project"]["id"], project_name="admin",
                                   roles=("admin",), now=past, ttl=3600)
    _assert_unauthorized(cloud, _placement(cloud, "GET", "/resource_providers", expired))
    fresh, _ = cloud.codec.issue(user_id=admin["user"]["id"], user_name="admin",
                                 project_id=admin["project"]["id"], project_name="admin",
                                 roles=("admin",), ttl=3600)
    assert _placement(cloud, "GET", "/resource_providers", fresh).status_code == 200


def test_revoked_token_gets_401(cloud):
    admin = cloud.token("admin")
    assert _placement(cloud, "GET", "/resource_providers", admin).status_code == 200
    revoke = requests.delete(cloud.identity_url + "/v3/auth/tokens", timeout=30,
                             headers={"X-Auth-Token": admin, "X-Subject-Token": admin})
    assert revoke.status_code == 204
    _assert_unauthorized(cloud, _placement(cloud, "GET", "/resource_providers", admin))


def test_unscoped_token_is_forbidden(cloud):
    unscoped = cloud.token("admin", project=None)
    assert _placement(cloud, "GET", "/resource_providers", unscoped).status_code == 403


def test_version_document_needs_no_token(cloud):
    resp = requests.get(cloud.placement_url + "/", timeout=10)
    assert resp.status_code == 200
    assert resp.json()["versions"][0]["max_version"] == "1.39"
