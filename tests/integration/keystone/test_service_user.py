"""The services call placement and the image API as a Keystone service
user (``[service_auth]``): the token comes from Keystone, is renewed
before it expires, and a token Keystone revoked is replaced at the first
401 — a cloud keeps booting servers past its service token's life."""
from __future__ import annotations

import time

import pytest
import requests

from nubes.common import service_auth
from nubes.image.client import ImageClient
from nubes.placement.client import PlacementClient
from tests.fixtures.cloud import server_body
from tests.integration.keystone import identities as ids

pytestmark = pytest.mark.slow


def _user(keystone, **kw) -> service_auth.KeystoneServiceUser:
    return service_auth.KeystoneServiceUser(
        keystone.url, username=ids.SERVICE_USER, password=ids.password(ids.SERVICE_USER),
        project_name=ids.SERVICE_PROJECT, user_domain_name=ids.DOMAIN,
        project_domain_name=ids.DOMAIN, **kw)


def _boot(compute, cirros, name: str) -> None:
    api = compute["p1-member"]
    code, body = api.post("/servers", server_body(cirros, name=name))
    assert code == 202, body
    sid = body["server"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = api.get(f"/servers/{sid}")[1]["server"]
        if shown["status"] in ("ACTIVE", "ERROR"):
            break
        time.sleep(0.1)
    assert shown["status"] == "ACTIVE", shown
    assert api.delete(f"/servers/{sid}")[0] == 204


def test_a_token_is_kept_until_it_is_about_to_expire(keystone, cloud):
    kept = _user(keystone, renew_before=0)
    assert kept.token() == kept.token()
    # Renewing a year ahead of expiry: every call finds it expiring.
    eager = _user(keystone, renew_before=365 * 24 * 3600)
    assert eager.token() != eager.token()
    typed = PlacementClient(cloud.urls["placement"], auth=kept)
    assert typed.request("GET", "/resource_providers", version="1.14").status_code == 200


def test_a_wrong_password_is_a_clear_error(keystone):
    wrong = service_auth.KeystoneServiceUser(keystone.url, username=ids.SERVICE_USER,
                                             password="not-it", project_name=ids.SERVICE_PROJECT)
    with pytest.raises(service_auth.ServiceAuthError, match="Keystone answered 401"):
        wrong.token()


def _revoke(keystone, identities, token: str) -> None:
    resp = requests.delete(keystone.url + "/auth/tokens", timeout=30, headers={
        "X-Auth-Token": identities.token("admin"), "X-Subject-Token": token})
    assert resp.status_code == 204, resp.text


def test_a_revoked_service_token_is_replaced(keystone, cloud, identities):
    """Revoked before the APIs ever saw it (keystonemiddleware caches what it
    validated for a few minutes): the first call is a 401, the client renews
    its token and the call goes through."""
    user = _user(keystone)
    revoked = user.token()
    _revoke(keystone, identities, revoked)
    typed = PlacementClient(cloud.urls["placement"], auth=user)
    assert typed.request("GET", "/resource_providers", version="1.14").status_code == 200
    renewed = user.token()
    assert renewed != revoked
    _revoke(keystone, identities, renewed)
    images = ImageClient(cloud.urls["image"], auth=user)
    assert images.list_images([], token=None)[0]
    assert user.token() not in (revoked, renewed)


def test_the_cloud_runs_as_its_service_user(cloud, compute, cirros):
    """Every service call of a boot (claims, host reports, image reads)
    carries the service user's token from Keystone."""
    shared = service_auth.from_conf(cloud.conf, None)
    assert isinstance(shared, service_auth.KeystoneServiceUser)
    _boot(compute, cirros, "as-service-user")
    assert shared.token()
