"""Fernet tokens from a real Keystone reach every nubes API through
keystonemiddleware, with the identity Keystone gave them; a missing or
garbage token is a 401 that points the client at Keystone."""
from __future__ import annotations

import pytest

from tests.integration.keystone.conftest import Client

pytestmark = pytest.mark.slow

APIS = ("compute", "placement", "image")


def _base(cloud, api: str) -> str:
    return cloud.urls[api] + ("/v2.1" if api == "compute" else "")


def _probe(api: str) -> str:
    """A path of each API that needs a token."""
    return {"compute": "/servers", "placement": "/resource_providers",
            "image": "/v2/images"}[api]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("token", [None, "garbage", "admin:admin"])
def test_missing_or_bad_token_is_401_pointing_at_keystone(cloud, keystone, api, token):
    resp = Client(_base(cloud, api), token).request("GET", _probe(api))
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{keystone.url}"'


@pytest.mark.parametrize("api", APIS)
def test_a_keystone_token_reaches_each_api(cloud, identities, api):
    resp = Client(_base(cloud, api), identities.token("admin")).request("GET", _probe(api))
    assert resp.status_code == 200, resp.text


def test_the_identity_is_keystones(compute, identities):
    """A key pair is the caller's own: the user id it records is the one
    Keystone knows (and every role the token implies applies)."""
    api = compute["p1-manager"]
    code, body = api.post("/os-keypairs", {"keypair": {"name": "ks-who", "type": "ssh"}},
                          version="2.10")
    assert code == 201, body
    try:
        assert body["keypair"]["user_id"] == identities.users["p1-manager"]
        code, shown = compute["admin"].get(
            f"/os-keypairs/ks-who?user_id={identities.users['p1-manager']}", version="2.10")
        assert code == 200 and shown["keypair"]["user_id"] == identities.users["p1-manager"]
    finally:
        api.delete("/os-keypairs/ks-who")


def test_a_project_sees_its_own_limits(compute, identities):
    code, body = compute["p2-reader"].get("/limits")
    assert code == 200, body
    code, body = compute["admin"].get(f"/os-quota-sets/{identities.projects['p2']}")
    assert code == 200 and body["quota_set"]["id"] == identities.projects["p2"]


@pytest.mark.parametrize("api", APIS)
def test_forged_identity_headers_are_ignored(cloud, identities, api):
    """Without a valid token, headers claiming an identity change nothing;
    with one, the token's identity wins over them."""
    forged = {"X-Identity-Status": "Confirmed", "X-Roles": "admin",
              "X-User-Id": "someone", "X-Project-Id": identities.projects["p2"]}
    client = Client(_base(cloud, api), None)
    assert client.request("GET", _probe(api), **forged).status_code == 401
    client = Client(_base(cloud, api), identities.token("p1-reader"))
    resp = client.request("GET", "/os-hypervisors" if api == "compute" else _probe(api),
                          **forged)
    assert resp.status_code == (200 if api == "image" else 403), resp.text
