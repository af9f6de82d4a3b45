"""Project isolation with Keystone's tokens: p1's member boots a server and
uploads a private image; p2's users cannot see or act on them (404), p1's
reader can read but not change them (403), p1's manager can change them,
and the admin sees every project's with all_tenants."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("user", ["p2-member", "p2-reader"])
def test_another_project_cannot_see_or_touch_the_server(compute, p1_server, user):
    api, sid = compute[user], p1_server["id"]
    assert api.get(f"/servers/{sid}")[0] == 404
    code, listed = api.get("/servers/detail")
    assert code == 200 and sid not in [s["id"] for s in listed["servers"]]
    assert api.put(f"/servers/{sid}", {"server": {"name": "stolen"}})[0] == 404
    assert api.post(f"/servers/{sid}/action", {"os-stop": None})[0] == 404
    assert api.get(f"/servers/{sid}/metadata")[0] == 404
    assert api.delete(f"/servers/{sid}")[0] == 404
    # all_tenants from a non-admin is refused or ignored, never honoured.
    code, listed = api.get("/servers?all_tenants=1")
    assert code in (200, 403) and sid not in [s["id"] for s in (listed or {}).get(
        "servers", [])]
    assert compute["p1-member"].get(f"/servers/{sid}")[1]["server"]["name"] == "p1-vm"


def test_the_projects_reader_reads_but_cannot_change(compute, identities, p1_server):
    api, sid = compute["p1-reader"], p1_server["id"]
    code, shown = api.get(f"/servers/{sid}")
    assert code == 200 and shown["server"]["tenant_id"] == identities.projects["p1"]
    assert shown["server"]["user_id"] == identities.users["p1-member"]
    assert [s["id"] for s in api.get("/servers")[1]["servers"]] == [sid]
    assert api.put(f"/servers/{sid}", {"server": {"name": "renamed"}})[0] == 403
    assert api.post(f"/servers/{sid}/action", {"os-stop": None})[0] == 403
    assert api.put(f"/servers/{sid}/metadata", {"metadata": {"k": "v"}})[0] == 403
    assert api.delete(f"/servers/{sid}")[0] == 403
    assert compute["p1-member"].get(f"/servers/{sid}")[1]["server"]["status"] == "ACTIVE"


def test_the_projects_manager_acts_as_a_member(compute, p1_server):
    api, sid = compute["p1-manager"], p1_server["id"]
    code, body = api.put(f"/servers/{sid}/metadata/owner", {"meta": {"owner": "manager"}})
    assert code == 200, body
    assert compute["p1-reader"].get(f"/servers/{sid}/metadata")[1] == {
        "metadata": {"owner": "manager"}}
    assert api.delete(f"/servers/{sid}/metadata/owner")[0] == 204


def test_admin_sees_every_project_with_all_tenants(compute, identities, p1_server):
    admin, sid = compute["admin"], p1_server["id"]
    code, listed = admin.get("/servers")
    assert code == 200 and sid not in [s["id"] for s in listed["servers"]]
    code, listed = admin.get("/servers/detail?all_tenants=1")
    found = {s["id"]: s for s in listed["servers"]}
    assert code == 200 and found[sid]["tenant_id"] == identities.projects["p1"]
    code, listed = admin.get(f"/servers?all_tenants=1&project_id={identities.projects['p2']}")
    assert code == 200 and listed["servers"] == []
    assert admin.get(f"/servers/{sid}")[0] == 200


@pytest.fixture(scope="module")
def p1_image(image):
    resp = image["p1-member"].request("POST", "/v2/images", {
        "name": "p1-private", "disk_format": "raw", "container_format": "bare"})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    yield body
    image["admin"].request("DELETE", f"/v2/images/{body['id']}")


def test_a_private_image_is_its_projects_alone(image, identities, p1_image):
    iid = p1_image["id"]
    assert p1_image["owner"] == identities.projects["p1"]
    assert p1_image["visibility"] in ("private", "shared")
    for user in ("p2-member", "p2-reader"):
        assert image[user].request("GET", f"/v2/images/{iid}").status_code == 404
        listed = image[user].request("GET", "/v2/images").json()["images"]
        assert iid not in [i["id"] for i in listed]
        patch = image[user].request(
            "PATCH", f"/v2/images/{iid}", [{"op": "replace", "path": "/name", "value": "x"}],
            **{"Content-Type": "application/openstack-images-v2.1-json-patch"})
        assert patch.status_code == 404
        assert image[user].request("DELETE", f"/v2/images/{iid}").status_code == 404
    reader = image["p1-reader"]
    assert reader.request("GET", f"/v2/images/{iid}").json()["name"] == "p1-private"
    patch = reader.request(
        "PATCH", f"/v2/images/{iid}", [{"op": "replace", "path": "/name", "value": "x"}],
        **{"Content-Type": "application/openstack-images-v2.1-json-patch"})
    assert patch.status_code == 403
    assert reader.request("DELETE", f"/v2/images/{iid}").status_code == 403
    assert image["admin"].request("GET", f"/v2/images/{iid}").status_code == 200
