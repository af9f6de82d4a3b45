"""Roles through policy with Keystone's tokens: reader, member, manager,
admin and the service user against representative compute, placement and
image rules.  Keystone's role implications (admin > manager > member >
reader) reach the policies as the token's roles."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import server_body

pytestmark = pytest.mark.slow

ROLES = ("p1-reader", "p1-member", "p1-manager", "admin", "nubes")


# --- compute ---------------------------------------------------------------------

COMPUTE_READS = {
    # path: expected status per user
    "/flavors": dict.fromkeys(ROLES, 200),
    "/limits": dict.fromkeys(ROLES, 200),
    "/os-hypervisors": {"p1-reader": 403, "p1-member": 403, "p1-manager": 403,
                        "admin": 200, "nubes": 403},
    "/os-services": {"p1-reader": 403, "p1-member": 403, "p1-manager": 403,
                     "admin": 200, "nubes": 403},
    "/servers/detail?all_tenants=1": {"p1-reader": 403, "p1-member": 403,
                                      "p1-manager": 403, "admin": 200, "nubes": 403},
}


@pytest.mark.parametrize("user", ROLES)
@pytest.mark.parametrize("path", sorted(COMPUTE_READS))
def test_compute_reads(compute, path, user):
    code, body = compute[user].get(path)
    assert code == COMPUTE_READS[path][user], (code, body)


@pytest.mark.parametrize("user,expected", [("p1-reader", 200), ("p1-member", 200),
                                           ("p1-manager", 200), ("p2-reader", 403),
                                           ("p2-member", 403), ("admin", 200)])
def test_compute_quota_of_p1(compute, identities, user, expected):
    code, body = compute[user].get(f"/os-quota-sets/{identities.projects['p1']}")
    assert code == expected, body


@pytest.mark.parametrize("user", ["p1-reader", "p1-member", "p1-manager"])
def test_only_admin_creates_flavors(compute, user):
    body = {"flavor": {"name": f"f-{user}", "ram": 64, "vcpus": 1, "disk": 0}}
    code, answer = compute[user].post("/flavors", body)
    assert code == 403, answer
    assert answer["forbidden"]["code"] == 403


def test_admin_creates_and_deletes_a_flavor(compute):
    code, body = compute["admin"].post("/flavors", {"flavor": {
        "name": "ks-flavor", "ram": 64, "vcpus": 1, "disk": 0}})
    assert code == 200, body
    assert compute["admin"].delete(f"/flavors/{body['flavor']['id']}")[0] == 202


def test_a_reader_cannot_boot(compute, cirros):
    code, body = compute["p1-reader"].post("/servers", server_body(cirros, name="nope"))
    assert code == 403, body
    assert "nope" not in [s["name"] for s in compute["p1-member"].get("/servers")[1]["servers"]]


# --- placement ---------------------------------------------------------------------

@pytest.mark.parametrize("user,expected", [("p1-reader", 403), ("p1-member", 403),
                                           ("p1-manager", 403), ("admin", 200),
                                           ("nubes", 200)])
def test_placement_providers_are_for_admin_and_service(placement, user, expected):
    resp = placement[user].request("GET", "/resource_providers")
    assert resp.status_code == expected, resp.text
    if expected == 403:
        assert resp.json()["errors"][0]["status"] == 403


@pytest.mark.parametrize("user,expected", [("p1-reader", 200), ("p1-member", 200),
                                           ("p2-reader", 403), ("p2-member", 403),
                                           ("admin", 200), ("nubes", 200)])
def test_placement_usages_of_p1(placement, identities, p1_server, user, expected):
    resp = placement[user].request("GET", f"/usages?project_id={identities.projects['p1']}")
    assert resp.status_code == expected, resp.text
    if expected == 200:
        # p1's one server, by consumer type (placement 1.38+).
        assert resp.json()["usages"]["INSTANCE"]["consumer_count"] == 1
        assert resp.json()["usages"]["INSTANCE"]["VCPU"] >= 1


def test_placement_writes_need_admin_or_service(placement):
    body = {"name": "ks-provider"}
    assert placement["p1-manager"].request("POST", "/resource_providers",
                                           body).status_code == 403
    resp = placement["nubes"].request("POST", "/resource_providers", body)
    assert resp.status_code == 200, resp.text
    assert placement["admin"].request(
        "DELETE", f"/resource_providers/{resp.json()['uuid']}").status_code == 204


# --- image -------------------------------------------------------------------------

def _create(image, user, **fields):
    body = {"name": f"img-{user}", "disk_format": "raw", "container_format": "bare", **fields}
    return image[user].request("POST", "/v2/images", body)


@pytest.mark.parametrize("user,expected", [("p1-reader", 403), ("p1-member", 201),
                                           ("p1-manager", 201), ("admin", 201)])
def test_image_create_needs_member(image, user, expected):
    resp = _create(image, user)
    assert resp.status_code == expected, resp.text
    if expected == 201:
        assert image[user].request("DELETE",
                                   f"/v2/images/{resp.json()['id']}").status_code == 204


@pytest.mark.parametrize("user,expected", [("p1-member", 403), ("p1-manager", 403),
                                           ("admin", 201)])
def test_public_images_are_admins(image, user, expected):
    resp = _create(image, user, visibility="public")
    assert resp.status_code == expected, resp.text
    if expected == 201:
        image["admin"].request("DELETE", f"/v2/images/{resp.json()['id']}")


def test_only_admin_deactivates(image):
    created = _create(image, "p1-member").json()
    iid = created["id"]
    try:
        data = image["p1-member"].session.put(
            f"{image['p1-member'].base}/v2/images/{iid}/file", data=b"\0" * 512,
            headers={"Content-Type": "application/octet-stream"}, timeout=60)
        assert data.status_code == 204, data.text
        path = f"/v2/images/{iid}/actions/deactivate"
        assert image["p1-manager"].request("POST", path).status_code == 403
        assert image["admin"].request("POST", path).status_code == 204
        assert image["p1-member"].request("GET", f"/v2/images/{iid}/file").status_code == 403
        assert image["p1-member"].request(
            "POST", f"/v2/images/{iid}/actions/reactivate").status_code == 403
        assert image["admin"].request(
            "POST", f"/v2/images/{iid}/actions/reactivate").status_code == 204
        assert image["p1-reader"].request("GET", f"/v2/images/{iid}/file").status_code == 200
    finally:
        image["admin"].request("DELETE", f"/v2/images/{iid}")
