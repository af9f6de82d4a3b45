"""Volumes: create (the file backend makes a sparse file), show, list with
filters, sort, paging and counts, update, metadata, delete, actions."""
from __future__ import annotations

import os
import uuid

import pytest

from nubes.volume.backends.base import GiB

DETAIL_KEYS = {"id", "status", "size", "availability_zone", "created_at", "updated_at",
               "name", "description", "volume_type", "snapshot_id", "source_volid",
               "metadata", "links", "user_id", "bootable", "encrypted",
               "replication_status", "consistencygroup_id", "multiattach", "attachments",
               "os-vol-tenant-attr:tenant_id", "group_id", "shared_targets", "service_uuid",
               "volume_type_id", "encryption_key_id", "consumes_quota"}


def test_create_makes_a_sparse_file(volumes):
    user = volumes.user()
    resp = user.post("/volumes", {"volume": {
        "size": 2, "name": "data", "description": "d", "metadata": {"k": "v"},
        "volume_type": None, "availability_zone": None, "snapshot_id": None,
        "source_volid": None, "imageRef": None, "backup_id": None,
        "consistencygroup_id": None}})
    assert resp.status_code == 202, resp.text
    created = resp.json()["volume"]
    assert created["status"] == "creating" and set(created) == DETAIL_KEYS
    shown = volumes.wait(user, created["id"], "available")
    assert shown["size"] == 2 and shown["name"] == "data" and shown["bootable"] == "false"
    assert shown["metadata"] == {"k": "v"} and shown["volume_type"] == "__DEFAULT__"
    assert shown["availability_zone"] == "nova" and shown["multiattach"] is False
    assert shown["attachments"] == [] and shown["os-vol-tenant-attr:tenant_id"] == "p1"
    assert shown["links"][0]["href"].endswith(f"/v3/p1/volumes/{created['id']}")
    (name,) = volumes.files()
    path = os.path.join(volumes.volumes_dir, name)
    assert name.endswith("volume-" + created["id"])
    assert os.path.getsize(path) == 2 * GiB and os.stat(path).st_blocks == 0
    admin_view = volumes.admin.get(f"/volumes/{created['id']}").json()["volume"]
    assert admin_view["os-vol-host-attr:host"].startswith("nubes@file#pool-")
    old = user.get(f"/volumes/{created['id']}", version="3.0").json()["volume"]
    assert "volume_type_id" not in old and "group_id" not in old


def test_pool_choice_spreads_by_free_space(volumes):
    user = volumes.user()
    hosts = []
    for size in (10, 4, 3):
        created = volumes.create(user, size=size)
        hosts.append(volumes.admin.get(f"/volumes/{created['id']}").json()
                     ["volume"]["os-vol-host-attr:host"])
    # 10 goes to one pool; 4 and 3 to the other, which has more free space.
    assert hosts[0] != hosts[1] and hosts[1] == hosts[2]


def test_no_pool_fits_is_an_error_volume(volumes):
    user = volumes.user()
    volumes.admin.put("/os-quota-sets/p1", {"quota_set": {"gigabytes": -1}})
    created = volumes.create(user, size=101, wait="error")
    assert created["status"] == "error"
    assert volumes.row(created["id"]).error_message.startswith("No valid backend")
    assert volumes.files() == []
    assert user.delete(f"/volumes/{created['id']}").status_code == 202
    volumes.wait_gone(user, created["id"])


def test_backend_failure_is_an_error_with_its_reason(volumes):
    user = volumes.user()
    # A file where the pools' directories should be: the backend cannot
    # make the volume's file (whoever runs the tests).
    blockers = [os.path.join(volumes.volumes_dir, p) for p in ("pool-a", "pool-b")]
    for path in blockers:
        os.rmdir(path) if os.path.isdir(path) else None
        open(path, "w").close()
    try:
        created = volumes.create(user, wait="error")
    finally:
        for path in blockers:
            os.unlink(path)
            os.mkdir(path)
    assert "Could not create the volume file" in volumes.row(created["id"]).error_message
    assert user.delete(f"/volumes/{created['id']}").status_code == 202
    volumes.wait_gone(user, created["id"])


@pytest.mark.parametrize("body", [
    {"size": 0}, {"size": -1}, {"size": "x"}, {"size": 1.5}, {"name": "n"},
    {"size": 1, "name": "x" * 256}, {"size": 1, "metadata": {"k": 1}},
    {"size": 1, "metadata": {"": "v"}}, {"size": 1, "multiattach": True},
    {"size": 1, "backup_id": "x"}, {"size": 1, "availability_zone": "elsewhere"},
])
def test_bad_create(volumes, body):
    resp = volumes.user().post("/volumes", {"volume": body})
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400
    assert volumes.user().get("/volumes").json()["volumes"] == []


def test_unknown_type_is_404(volumes):
    resp = volumes.user().post("/volumes", {"volume": {"size": 1, "volume_type": "nope"}})
    assert resp.status_code == 404 and "itemNotFound" in resp.json()


def test_list_filters_sort_paging_and_count(volumes):
    p1, p2 = volumes.user("p1"), volumes.user("p2")
    made = [volumes.create(p1, name=f"v{i}", size=i + 1, metadata={"n": str(i % 2)})
            for i in range(5)]
    volumes.create(p2, name="other")
    listed = p1.get("/volumes?sort=name").json()
    assert [v["name"] for v in listed["volumes"]] == ["v4", "v3", "v2", "v1", "v0"]
    assert set(listed["volumes"][0]) == {"id", "name", "links"}
    detail = p1.get("/volumes/detail?sort=size:asc").json()["volumes"]
    assert [v["size"] for v in detail] == [1, 2, 3, 4, 5]
    assert [v["name"] for v in p1.get("/volumes?name=v2").json()["volumes"]] == ["v2"]
    odd = p1.get("/volumes?metadata={'n': '1'}&sort=name:asc").json()["volumes"]
    assert [v["name"] for v in odd] == ["v1", "v3"]
    assert len(p1.get("/volumes?name~=v").json()["volumes"]) == 5
    page = p1.get("/volumes?limit=2&sort=name:asc&with_count=true").json()
    assert [v["name"] for v in page["volumes"]] == ["v0", "v1"] and page["count"] == 5
    assert "marker=" in page["volumes_links"][0]["href"]
    marker = page["volumes"][-1]["id"]
    after = p1.get(f"/volumes?limit=2&sort=name:asc&marker={marker}").json()
    assert [v["name"] for v in after["volumes"]] == ["v2", "v3"]
    assert "count" not in p1.get("/volumes?with_count=true", version="3.44").json()
    assert p1.get("/volumes?bogus=1").status_code == 400
    assert p1.get("/volumes?bogus=1", version="3.30").status_code == 200
    assert p1.get("/volumes?sort=nope").status_code == 400
    assert p1.get("/volumes?sort=name:sideways").status_code == 400
    assert p1.get("/volumes?limit=x").status_code == 400
    assert p1.get(f"/volumes?marker={uuid.uuid4()}").status_code == 404
    other_project = volumes.admin.get("/volumes?all_tenants=1&project_id=p2").json()
    assert p1.get(f"/volumes?marker={other_project['volumes'][0]['id']}").status_code == 404
    assert made
    everyone = volumes.admin.get("/volumes?all_tenants=1").json()["volumes"]
    assert len(everyone) == 6
    assert len(p1.get("/volumes?all_tenants=1").json()["volumes"]) == 5


def test_other_projects_volumes_are_not_found(volumes):
    mine = volumes.create(volumes.user("p1"))
    other = volumes.user("p2")
    for method, path, body in (("GET", "", None), ("PUT", "", {"volume": {"name": "x"}}),
                               ("DELETE", "", None), ("GET", "/metadata", None),
                               ("POST", "/action", {"os-extend": {"new_size": 2}})):
        resp = other.request(method, f"/volumes/{mine['id']}{path}", json=body)
        assert resp.status_code == 404, (method, path, resp.text)
    reader = volumes.user("p1", roles="reader")
    assert reader.get(f"/volumes/{mine['id']}").status_code == 200
    assert reader.delete(f"/volumes/{mine['id']}").status_code == 403


def test_update_and_metadata(volumes):
    user = volumes.user()
    vol = volumes.create(user, metadata={"a": "1"})
    base = f"/volumes/{vol['id']}"
    resp = user.put(base, {"volume": {"name": "renamed", "description": "new"}})
    assert resp.status_code == 200
    assert resp.json()["volume"]["name"] == "renamed"
    assert user.put(base, {"volume": {}}).status_code == 400
    assert user.put(base, {"volume": {"size": 5}}).status_code == 400
    assert user.post(base + "/metadata", {"metadata": {"b": "2"}}).json() == {
        "metadata": {"a": "1", "b": "2"}}
    assert user.put(base + "/metadata", {"metadata": {"c": "3"}}).json() == {
        "metadata": {"c": "3"}}
    assert user.get(base + "/metadata/c").json() == {"meta": {"c": "3"}}
    assert user.put(base + "/metadata/c", {"meta": {"c": "4"}}).json() == {"meta": {"c": "4"}}
    assert user.put(base + "/metadata/c", {"meta": {"d": "4"}}).status_code == 400
    assert user.put(base + "/metadata/c",
                    {"meta": {"c": "4", "d": "5"}}).status_code == 400
    assert user.delete(base + "/metadata/c").status_code == 200
    assert user.get(base + "/metadata/c").status_code == 404
    assert user.delete(base + "/metadata/c").status_code == 404
    assert user.put(base, {"volume": {"metadata": {"x": "y"}}}).json()["volume"][
        "metadata"] == {"x": "y"}


def test_delete_removes_row_and_file(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    assert len(volumes.files()) == 1
    resp = user.delete(f"/volumes/{vol['id']}?cascade=False&force=False")
    assert resp.status_code == 202 and resp.content == b""
    volumes.wait_gone(user, vol["id"])
    assert volumes.files() == []


def test_actions(volumes):
    user, admin = volumes.user(), volumes.admin
    vol = volumes.create(user, size=1)
    action = f"/volumes/{vol['id']}/action"
    assert user.post(action, {"os-extend": {"new_size": 1}}).status_code == 400
    assert user.post(action, {"os-extend": {"new_size": 3}}).status_code == 202
    grown = volumes.wait(user, vol["id"], "available")
    assert grown["size"] == 3
    assert os.path.getsize(os.path.join(volumes.volumes_dir, volumes.files()[0])) == 3 * GiB
    assert user.post(action, {"os-set_bootable": {"bootable": True}}).status_code == 200
    assert user.get(f"/volumes/{vol['id']}").json()["volume"]["bootable"] == "true"
    assert user.post(action, {"os-reset_status": {"status": "error"}}).status_code == 403
    assert admin.post(action, {"os-reset_status": {"status": "in-use"}}).status_code == 202
    assert user.delete(f"/volumes/{vol['id']}").status_code == 400
    assert user.post(action, {"os-extend": {"new_size": 4}}, version="3.41").status_code == 400
    assert user.post(action, {"os-begin_detaching": None}).status_code == 400
    assert user.post(action, {"os-nothing": None}).status_code == 400
    assert user.post(action, {"os-force_delete": {}}).status_code == 403
    assert admin.post(action, {"os-force_delete": {}}).status_code == 202
    volumes.wait_gone(user, vol["id"])
