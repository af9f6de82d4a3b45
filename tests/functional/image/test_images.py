"""Image API v2 records over real HTTP: version documents, create, show,
list (filters, sorting, paging, visibility), JSON-patch updates, tags,
delete, glance-shaped errors, and policy (image data: test_image_data.py)."""
from __future__ import annotations

import pytest

UUID = "11111111-2222-4333-8444-555555555555"


def test_version_documents(images):
    root = images.admin.get("/", headers={"X-Auth-Token": ""})
    assert root.status_code == 300
    versions = root.json()["versions"]
    assert versions[0] == {"id": "v2.16", "status": "CURRENT",
                           "links": [{"rel": "self", "href": images.url + "/v2/"}]}
    assert {v["status"] for v in versions[1:]} == {"SUPPORTED"}
    assert versions[-1]["id"] == "v2.0"
    listed = images.admin.get("/versions", headers={"X-Auth-Token": ""})
    assert listed.status_code == 200 and listed.json()["versions"] == versions
    assert root.headers["X-OpenStack-Request-ID"].startswith("req-")


def test_token_required(images):
    resp = images.admin.get("/v2/images", headers={"X-Auth-Token": ""})
    assert resp.status_code == 401
    assert set(resp.json()) == {"code", "title", "message"}
    assert resp.json()["code"] == "401 Unauthorized"


def test_create_show_and_defaults(images):
    user = images.user()
    created = user.create(name="cirros", disk_format="qcow2", container_format="bare",
                          min_ram=64, tags=["a", "b", "a"], os_distro="cirros")
    assert created["status"] == "queued" and created["visibility"] == "shared"
    assert created["owner"] == "p1" and created["protected"] is False
    assert created["os_hidden"] is False and created["size"] is None
    assert created["checksum"] is None and created["min_disk"] == 0
    assert created["tags"] == ["a", "b"] and created["os_distro"] == "cirros"
    assert created["self"] == f"/v2/images/{created['id']}"
    assert created["file"] == f"/v2/images/{created['id']}/file"
    assert created["schema"] == "/v2/schemas/image"
    assert created["created_at"].endswith("Z")
    shown = user.get(f"/v2/images/{created['id']}")
    assert shown.status_code == 200 and shown.json() == created
    with_id = images.admin.post("/v2/images", json={"id": UUID, "name": "x"})
    assert with_id.status_code == 201 and with_id.json()["id"] == UUID
    assert with_id.headers["Location"] == f"{images.url}/v2/images/{UUID}"
    again = images.admin.post("/v2/images", json={"id": UUID})
    assert again.status_code == 409


@pytest.mark.parametrize("body,status", [
    ({"name": 7}, 400),
    ({"name": "x" * 256}, 400),
    ({"visibility": "everyone"}, 400),
    ({"disk_format": "floppy"}, 400),
    ({"container_format": "box"}, 400),
    ({"min_ram": -1}, 400),
    ({"min_disk": "1"}, 400),
    ({"protected": "yes"}, 400),
    ({"id": "not-a-uuid"}, 400),
    ({"tags": "a"}, 400),
    ({"tags": [""]}, 400),
    ({"custom": 5}, 400),
    ({"custom": {"nested": "no"}}, 400),
    (["name"], 400),
    ({"status": "active"}, 403),
    ({"size": 5}, 403),
    ({"checksum": "x"}, 403),
    ({"deleted": True}, 403),
    ({"visibility": "public"}, 403),
    ({"owner": "someone-else"}, 403),
])
def test_bad_create_writes_nothing(images, body, status):
    before = images.counts()
    resp = images.user().post("/v2/images", json=body)
    assert resp.status_code == status, resp.text
    error = resp.json()
    assert set(error) == {"code", "title", "message"} and error["message"]
    assert images.counts() == before


def test_malformed_json_is_400(images):
    resp = images.admin.post("/v2/images", data="{nope",
                             headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


def test_visibility(images):
    admin, p1, p2 = images.admin, images.user("p1"), images.user("p2")
    public = admin.create(name="public", visibility="public")
    community = p2.create(name="community", visibility="community")
    mine = p1.create(name="mine", visibility="private")
    theirs = p2.create(name="theirs")
    hidden = admin.create(name="hidden", visibility="public", os_hidden=True)
    names = lambda client, **params: sorted(  # noqa: E731
        i["name"] for i in client.get("/v2/images", params=params).json()["images"])
    assert names(p1) == ["mine", "public"]
    assert names(p1, visibility="community") == ["community"]
    assert names(p1, visibility="all") == ["community", "mine", "public"]
    assert names(p1, os_hidden="true") == ["hidden"]
    assert names(p2) == ["public", "theirs"]
    assert names(admin) == ["community", "mine", "public", "theirs"]
    assert p1.get(f"/v2/images/{theirs['id']}").status_code == 404
    assert p1.get(f"/v2/images/{community['id']}").status_code == 200
    assert p1.get(f"/v2/images/{hidden['id']}").status_code == 200
    assert admin.get(f"/v2/images/{mine['id']}").status_code == 200
    assert p1.delete(f"/v2/images/{public['id']}").status_code == 403
    assert p1.delete(f"/v2/images/{theirs['id']}").status_code == 404
    resp = p1.get(f"/v2/images/{UUID}")
    assert resp.status_code == 404 and resp.json()["code"] == "404 Not Found"
    assert "No image found" in resp.json()["message"]


def test_filters_sorting_and_paging(images):
    admin = images.admin
    made = [admin.create(name=f"img{n}", disk_format="raw" if n % 2 else "qcow2",
                         tags=["even"] if n % 2 == 0 else [], flavour=str(n % 3))
            for n in range(6)]
    names = lambda **params: [i["name"] for i in admin.get(  # noqa: E731
        "/v2/images", params=params).json()["images"]]
    assert names(sort="name:asc") == [f"img{n}" for n in range(6)]
    assert names(sort_key="name", sort_dir="desc")[0] == "img5"
    assert names(name="img3") == ["img3"]
    assert sorted(names(name="in:img1,img4")) == ["img1", "img4"]
    assert sorted(names(disk_format="raw")) == ["img1", "img3", "img5"]
    assert sorted(names(tag="even")) == ["img0", "img2", "img4"]
    assert sorted(names(flavour="0")) == ["img0", "img3"]
    assert names(status="active") == []
    assert len(names(status="queued")) == 6
    page = admin.get("/v2/images", params={"sort": "name:asc", "limit": "2"}).json()
    assert [i["name"] for i in page["images"]] == ["img0", "img1"]
    assert page["next"].startswith("/v2/images?") and f"marker={made[1]['id']}" in page["next"]
    assert page["first"].startswith("/v2/images")
    rest = admin.get("/v2/images", params={"sort": "name:asc", "limit": "10",
                                           "marker": made[1]["id"]}).json()
    assert [i["name"] for i in rest["images"]] == ["img2", "img3", "img4", "img5"]
    assert "next" not in rest
    for params in ({"limit": "x"}, {"limit": "-1"}, {"sort": "colour:asc"},
                   {"sort": "name:sideways"}, {"sort": "name", "sort_key": "name"},
                   {"visibility": "everyone"}, {"status": "sleepy"}, {"marker": UUID},
                   {"protected": "maybe"}, {"size_min": "big"}):
        resp = admin.get("/v2/images", params=params)
        assert resp.status_code == 400, (params, resp.text)


def test_patch(images):
    user = images.user()
    image = user.create(name="before", os_distro="cirros", gone="x")
    url = f"/v2/images/{image['id']}"
    resp = user.patch(url, [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "add", "path": "/min_disk", "value": 2},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
        {"op": "replace", "path": "/os_distro", "value": "ubuntu"},
        {"op": "remove", "path": "/gone"},
        {"op": "replace", "path": "/tags", "value": ["t1"]},
    ])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["name"], body["min_disk"], body["hw_disk_bus"], body["os_distro"],
            body["tags"]) == ("after", 2, "virtio", "ubuntu", ["t1"])
    assert "gone" not in body
    assert user.get(url).json() == body
    before = user.get(url).json()
    for ops, status in [
        ([{"op": "replace", "path": "/status", "value": "active"}], 403),
        ([{"op": "replace", "path": "/id", "value": UUID}], 403),
        ([{"op": "replace", "path": "/visibility", "value": "public"}], 403),
        ([{"op": "remove", "path": "/name"}], 403),
        ([{"op": "replace", "path": "/min_ram", "value": -5}], 400),
        ([{"op": "replace", "path": "/name"}], 400),
        ([{"op": "move", "path": "/name", "value": "x"}], 400),
        ([{"op": "replace", "path": "/a/b", "value": "x"}], 400),
        ([{"op": "add", "path": "/os_distro", "value": "again"}], 409),
        ([{"op": "replace", "path": "/nothing", "value": "x"}], 409),
        ([{"op": "remove", "path": "/nothing"}], 409),
        ({"op": "replace"}, 400),
    ]:
        resp = user.patch(url, ops)
        assert resp.status_code == status, (ops, resp.text)
        assert user.get(url).json() == before
    assert user.patch(url, [], content_type="application/json").status_code == 415
    assert images.user("p2").patch(url, []).status_code == 404
    public = images.admin.patch(url, [{"op": "replace", "path": "/visibility",
                                       "value": "public"}])
    assert public.status_code == 200 and public.json()["visibility"] == "public"
    assert images.user("p2").patch(url, [{"op": "replace", "path": "/name",
                                          "value": "x"}]).status_code == 403


def test_tags(images):
    user = images.user()
    image = user.create(name="t")
    url = f"/v2/images/{image['id']}/tags"
    assert user.put(url + "/blue").status_code == 204
    assert user.put(url + "/blue").status_code == 204
    assert user.get(f"/v2/images/{image['id']}").json()["tags"] == ["blue"]
    assert user.delete(url + "/blue").status_code == 204
    assert user.delete(url + "/blue").status_code == 404


def test_delete_and_protected(images):
    user = images.user()
    image = user.create(name="keep", protected=True, prop="v", tags=["x"])
    url = f"/v2/images/{image['id']}"
    resp = user.delete(url)
    assert resp.status_code == 403 and "protected" in resp.json()["message"]
    assert user.patch(url, [{"op": "replace", "path": "/protected",
                             "value": False}]).status_code == 200
    assert user.delete(url).status_code == 204
    assert user.get(url).status_code == 404
    assert images.counts() == {"images": 0, "image_properties": 0, "image_tags": 0}
    assert user.delete(url).status_code == 404
    assert user.request("POST", url).status_code == 405
