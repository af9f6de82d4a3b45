"""Snapshots: the file backend copies the volume's bytes (holes kept),
show/list/update/metadata, the in-use rule and its force, quotas
(snapshots and gigabytes, under concurrency too), delete, cascade, the
admin actions."""
from __future__ import annotations

import concurrent.futures
import os
import uuid

from nubes.volume.backends.base import GiB

KEYS = {"id", "created_at", "updated_at", "name", "description", "volume_id", "status",
        "size", "metadata", "group_snapshot_id", "user_id", "consumes_quota"}
EXTENDED = {"os-extended-snapshot-attributes:progress",
            "os-extended-snapshot-attributes:project_id"}


def write(path: str, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def test_snapshot_copies_the_volume_keeping_holes(volumes):
    user = volumes.user()
    vol = volumes.create(user, size=1)
    write(volumes.path(vol["id"]), 4096, b"first")
    write(volumes.path(vol["id"]), GiB - 5, b"last!")
    resp = user.post("/snapshots", {"snapshot": {"volume_id": vol["id"], "name": "s",
                                                 "description": "d", "metadata": {"k": "v"}}})
    assert resp.status_code == 202, resp.text
    created = resp.json()["snapshot"]
    assert set(created) == KEYS and created["status"] == "creating"
    shown = volumes.wait(user, created["id"], "available", collection="snapshots")
    assert set(shown) == KEYS | EXTENDED
    assert shown["size"] == 1 and shown["volume_id"] == vol["id"] and shown["name"] == "s"
    assert shown["metadata"] == {"k": "v"} and shown["user_id"] == "u-p1"
    assert shown["os-extended-snapshot-attributes:progress"] == "100%"
    assert shown["os-extended-snapshot-attributes:project_id"] == "p1"
    path = volumes.path(created["id"])
    assert os.path.basename(path) == f"snapshot-{created['id']}"
    assert os.path.getsize(path) == GiB and os.stat(path).st_blocks * 512 < 64 << 20
    with open(path, "rb") as f:
        assert f.read(4096 + 5)[4096:] == b"first"
        f.seek(GiB - 5)
        assert f.read() == b"last!"
    # Later writes to the volume do not change the snapshot.
    write(volumes.path(vol["id"]), 4096, b"again")
    with open(path, "rb") as f:
        f.seek(4096)
        assert f.read(5) == b"first"
    old = user.get(f"/snapshots/{created['id']}", version="3.0").json()["snapshot"]
    assert "user_id" not in old and "group_snapshot_id" not in old


def test_in_use_volume_needs_force_before_3_66(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    volumes.admin.post(f"/volumes/{vol['id']}/action", {"os-reset_status": {"status": "in-use"}})
    body = {"snapshot": {"volume_id": vol["id"]}}
    resp = user.post("/snapshots", body, version="3.65")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        f"Invalid volume: Volume {vol['id']} status must be available, but current status "
        "is: in-use.")
    resp = user.post("/snapshots", {"snapshot": {"volume_id": vol["id"], "force": "false"}},
                     version="3.0")
    assert resp.status_code == 400
    forced = user.post("/snapshots", {"snapshot": {"volume_id": vol["id"], "force": True}},
                       version="3.65")
    assert forced.status_code == 202, forced.text
    assert user.post("/snapshots", {"snapshot": {"volume_id": vol["id"], "force": False}}
                     ).status_code == 400
    assert user.post("/snapshots", body).status_code == 202
    volumes.admin.post(f"/volumes/{vol['id']}/action", {"os-reset_status": {"status": "error"}})
    resp = user.post("/snapshots", {"snapshot": {"volume_id": vol["id"], "force": True}},
                     version="3.65")
    assert resp.status_code == 400
    assert "must be available or in-use, but current status is: error" in resp.text


def test_bad_creates(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    for body in ({}, {"name": "x"}, {"volume_id": vol["id"], "force": "maybe"},
                 {"volume_id": vol["id"], "name": "x" * 256},
                 {"volume_id": vol["id"], "metadata": {"k": 1}},
                 {"volume_id": vol["id"], "bogus": 1}):
        resp = user.post("/snapshots", {"snapshot": body})
        assert resp.status_code == 400, (body, resp.text)
    resp = user.post("/snapshots", {"snapshot": {"volume_id": str(uuid.uuid4())}})
    assert resp.status_code == 404 and "itemNotFound" in resp.json()
    mine = volumes.create(volumes.user("p2"))
    assert user.post("/snapshots", {"snapshot": {"volume_id": mine["id"]}}).status_code == 404
    assert user.get("/snapshots").json()["snapshots"] == []


def test_list_filters_sort_paging_and_count(volumes):
    p1, p2 = volumes.user("p1"), volumes.user("p2")
    vols = [volumes.create(p1, size=i + 1) for i in range(2)]
    made = [volumes.snapshot(p1, vols[i % 2]["id"], name=f"s{i}", metadata={"n": str(i % 2)})
            for i in range(5)]
    volumes.snapshot(p2, volumes.create(p2)["id"], name="other")
    listed = p1.get("/snapshots?sort=name").json()["snapshots"]
    assert [s["name"] for s in listed] == ["s4", "s3", "s2", "s1", "s0"]
    assert set(listed[0]) == KEYS
    detail = p1.get("/snapshots/detail?sort=size:asc,name:asc").json()["snapshots"]
    assert [s["name"] for s in detail] == ["s0", "s2", "s4", "s1", "s3"]
    assert set(detail[0]) == KEYS | EXTENDED
    by_volume = p1.get(f"/snapshots?volume_id={vols[1]['id']}&sort=name:asc").json()
    assert [s["name"] for s in by_volume["snapshots"]] == ["s1", "s3"]
    odd = p1.get("/snapshots?metadata={'n': '0'}&sort=name:asc").json()["snapshots"]
    assert [s["name"] for s in odd] == ["s0", "s2", "s4"]
    assert len(p1.get("/snapshots?name~=s").json()["snapshots"]) == 5
    page = p1.get("/snapshots?limit=2&sort=name:asc&with_count=true").json()
    assert [s["name"] for s in page["snapshots"]] == ["s0", "s1"] and page["count"] == 5
    assert "marker=" in page["snapshots_links"][0]["href"]
    after = p1.get(f"/snapshots?limit=2&sort=name:asc&marker={page['snapshots'][-1]['id']}")
    assert [s["name"] for s in after.json()["snapshots"]] == ["s2", "s3"]
    assert p1.get("/snapshots?bogus=1").status_code == 400
    assert p1.get("/snapshots?sort=nope").status_code == 400
    assert p1.get(f"/snapshots?marker={uuid.uuid4()}").status_code == 404
    assert len(volumes.admin.get("/snapshots?all_tenants=1").json()["snapshots"]) == 6
    assert len(p1.get("/snapshots?all_tenants=1").json()["snapshots"]) == 5
    assert made


def test_update_metadata_and_visibility(volumes):
    user = volumes.user()
    snap = volumes.snapshot(user, volumes.create(user)["id"], metadata={"a": "1"})
    base = f"/snapshots/{snap['id']}"
    resp = user.put(base, {"snapshot": {"name": "renamed", "display_description": "new"}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["snapshot"]["name"] == "renamed"
    assert resp.json()["snapshot"]["description"] == "new"
    assert user.put(base, {"snapshot": {}}).status_code == 400
    assert user.put(base, {"snapshot": {"size": 3}}).status_code == 400
    assert user.post(base + "/metadata", {"metadata": {"b": "2"}}).json() == {
        "metadata": {"a": "1", "b": "2"}}
    assert user.put(base + "/metadata", {"metadata": {"c": "3"}}).json() == {
        "metadata": {"c": "3"}}
    assert user.get(base + "/metadata/c").json() == {"meta": {"c": "3"}}
    assert user.put(base + "/metadata/c", {"meta": {"c": "4"}}).json() == {"meta": {"c": "4"}}
    assert user.delete(base + "/metadata/c").status_code == 200
    assert user.get(base + "/metadata/c").status_code == 404
    other = volumes.user("p2")
    for method, path, body in (("GET", "", None), ("PUT", "", {"snapshot": {"name": "x"}}),
                               ("DELETE", "", None), ("GET", "/metadata", None)):
        resp = other.request(method, base + path, json=body)
        assert resp.status_code == 404, (method, path, resp.text)
    reader = volumes.user("p1", roles="reader")
    assert reader.get(base).status_code == 200
    assert reader.delete(base).status_code == 403


def test_quotas_count_snapshots_and_their_gigabytes(volumes):
    admin, user = volumes.admin, volumes.user()
    vol = volumes.create(user, size=2)
    admin.put("/os-quota-sets/p1", {"quota_set": {"snapshots": 1, "gigabytes": 5}})
    volumes.snapshot(user, vol["id"])
    usage = user.get("/os-quota-sets/p1?usage=true").json()["quota_set"]
    assert usage["snapshots"]["in_use"] == 1 and usage["gigabytes"]["in_use"] == 4
    assert usage["snapshots___DEFAULT__"]["in_use"] == 1
    assert usage["gigabytes___DEFAULT__"]["in_use"] == 4
    resp = user.post("/snapshots", {"snapshot": {"volume_id": vol["id"]}})
    assert resp.status_code == 413
    assert "Maximum number of snapshots allowed (1)" in resp.json()["overLimit"]["message"]
    admin.put("/os-quota-sets/p1", {"quota_set": {"snapshots": 5}})
    resp = user.post("/snapshots", {"snapshot": {"volume_id": vol["id"]}})
    assert resp.status_code == 413 and "gigabytes" in resp.json()["overLimit"]["message"]
    resp = user.post("/volumes", {"volume": {"size": 2}})
    assert resp.status_code == 413


def test_parallel_snapshots_never_pass_the_quota(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    volumes.admin.put("/os-quota-sets/p1", {"quota_set": {"snapshots": 4}})

    def create(_):
        return volumes.user().post("/snapshots", {"snapshot": {"volume_id": vol["id"]}}
                                   ).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(create, range(16)))
    assert sorted(set(codes)) == [202, 413] and codes.count(202) == 4
    assert len(user.get("/snapshots").json()["snapshots"]) == 4


def test_volume_with_snapshots_is_deleted_only_with_cascade(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    snaps = [volumes.snapshot(user, vol["id"]) for _ in range(2)]
    assert len(volumes.files()) == 3
    resp = user.delete(f"/volumes/{vol['id']}")
    assert resp.status_code == 400
    assert "have snapshots" in resp.json()["badRequest"]["message"]
    assert user.delete(f"/volumes/{vol['id']}?force=true").status_code == 403
    resp = volumes.admin.post(f"/volumes/{vol['id']}/action", {"os-force_delete": {}})
    assert resp.status_code == 400
    assert user.delete(f"/volumes/{vol['id']}?cascade=true").status_code == 202
    volumes.wait_gone(user, vol["id"])
    for snap in snaps:
        assert user.get(f"/snapshots/{snap['id']}").status_code == 404
    assert volumes.files() == []


def test_delete_and_admin_actions(volumes):
    user, admin = volumes.user(), volumes.admin
    vol = volumes.create(user)
    snap = volumes.snapshot(user, vol["id"])
    action = f"/snapshots/{snap['id']}/action"
    assert user.post(action, {"os-reset_status": {"status": "error"}}).status_code == 403
    assert admin.post(action, {"os-reset_status": {"status": "bogus"}}).status_code == 400
    assert admin.post(action, {"os-reset_status": {"status": "creating"}}).status_code == 202
    resp = user.delete(f"/snapshots/{snap['id']}")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"].startswith(
        "Invalid snapshot: Volume Snapshot status must be available or error")
    assert user.post(action, {"os-force_delete": {}}).status_code == 403
    assert user.post(action, {"os-nothing": {}}).status_code == 400
    assert admin.post(action, {"os-force_delete": {}}).status_code == 202
    volumes.wait_gone(user, snap["id"], collection="snapshots")
    other = volumes.snapshot(user, vol["id"])
    assert user.delete(f"/snapshots/{other['id']}").status_code == 202
    volumes.wait_gone(user, other["id"], collection="snapshots")
    assert volumes.files() == [volumes.files()[0]] and len(volumes.files()) == 1
    assert user.delete(f"/volumes/{vol['id']}").status_code == 202


def test_snapshots_racing_a_volume_delete_leave_nothing_behind(volumes):
    user = volumes.user()
    vol = volumes.create(user)

    def act(i):
        client = volumes.user()
        if i == 4:
            return "delete", client.delete(f"/volumes/{vol['id']}").status_code
        return "snapshot", client.post("/snapshots", {"snapshot": {"volume_id": vol["id"]}}
                                       ).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=9) as pool:
        results = list(pool.map(act, range(9)))
    deleted = ("delete", 202) in results
    made = [code for kind, code in results if kind == "snapshot" and code == 202]
    # The volume's row lock orders them: a delete after a snapshot is refused;
    # snapshots after the delete find the volume deleting (400) or gone (404).
    assert deleted != bool(made), results
    assert all(code in (202, 400, 404) for _, code in results), results
    if deleted:
        volumes.wait_gone(user, vol["id"])
        assert user.get("/snapshots").json()["snapshots"] == []
    else:
        listed = user.get("/snapshots").json()["snapshots"]
        assert len(listed) == len(made)
        for snap in listed:
            volumes.wait(user, snap["id"], "available", collection="snapshots")
        assert user.delete(f"/volumes/{vol['id']}?cascade=true").status_code == 202
        volumes.wait_gone(user, vol["id"])
    assert volumes.state.manager.wait_idle()
    assert volumes.files() == []
