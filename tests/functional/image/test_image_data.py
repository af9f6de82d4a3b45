"""Image data over real HTTP on a real filesystem store: upload (status,
checksums, streamed and chunked bodies, one upload per image, the size
cap, preconditions), download (whole, byte ranges, no data), delete
removing the file, deactivate/reactivate, and who may do what."""
from __future__ import annotations

import hashlib
import os
import threading

import pytest

from tests.functional.image.conftest import MAX_IMAGE_SIZE

OCTET = {"Content-Type": "application/octet-stream"}
UUID = "11111111-2222-4333-8444-555555555555"


def _data(size: int, seed: int = 0) -> bytes:
    return hashlib.shake_256(f"image-{seed}".encode()).digest(size)


def _disk(client, **fields) -> dict:
    return client.create(name=fields.pop("name", "disk"), disk_format="raw",
                         container_format="bare", **fields)


def _put(client, image_id: str, data, **kw):
    return client.put(f"/v2/images/{image_id}/file", data=data,
                      headers={**OCTET, **kw.pop("headers", {})}, **kw)


def _file(images, image_id: str) -> bytes:
    with open(os.path.join(images.datadir, image_id), "rb") as f:
        return f.read()


def test_upload_then_download(images):
    user = images.user()
    image = _disk(user, visibility="private")
    assert (image["status"], image["size"], image["checksum"]) == ("queued", None, None)
    data = _data(300_000)       # several of the handler's and the store's chunks
    resp = _put(user, image["id"], data)
    assert resp.status_code == 204, resp.text
    assert resp.content == b""
    shown = user.get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert not {"location", "locations", "direct_url"} & set(shown)
    # One file per image, named by its id, holding exactly the bytes sent.
    assert images.stored_files() == [image["id"]]
    assert _file(images, image["id"]) == data

    got = user.get(f"/v2/images/{image['id']}/file")
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-MD5"] == hashlib.md5(data).hexdigest()
    assert int(got.headers["Content-Length"]) == len(data)


def test_chunked_and_empty_uploads(images):
    admin = images.admin
    data = _data(200_000, seed=1)
    image = _disk(admin)
    resp = _put(admin, image["id"], (data[i:i + 7_000] for i in range(0, len(data), 7_000)))
    assert resp.status_code == 204, resp.text
    assert resp.request.headers.get("Transfer-Encoding") == "chunked"
    shown = admin.get(f"/v2/images/{image['id']}").json()
    assert (shown["size"], shown["checksum"]) == (len(data), hashlib.md5(data).hexdigest())
    assert admin.get(f"/v2/images/{image['id']}/file").content == data

    empty = _disk(admin, name="empty")
    assert _put(admin, empty["id"], b"").status_code == 204
    shown = admin.get(f"/v2/images/{empty['id']}").json()
    assert (shown["status"], shown["size"]) == ("active", 0)
    assert shown["checksum"] == hashlib.md5(b"").hexdigest()
    got = admin.get(f"/v2/images/{empty['id']}/file")
    assert (got.status_code, got.content) == (200, b"")


def test_second_upload_is_a_conflict(images):
    user = images.user()
    image = _disk(user)
    first = _data(1000)
    assert _put(user, image["id"], first).status_code == 204
    resp = _put(user, image["id"], _data(1000, seed=2))
    assert resp.status_code == 409
    assert resp.json() == {"code": "409 Conflict", "title": "Conflict", "message":
                           "Image status transition from active to saving is not allowed"}
    assert user.get(f"/v2/images/{image['id']}/file").content == first
    assert images.stored_files() == [image["id"]]


def test_oversized_upload_is_refused_and_leaves_nothing(images):
    user = images.user()
    image = _disk(user)
    too_big = _data(MAX_IMAGE_SIZE + 1)
    for body in (too_big, iter([too_big[:500_000], too_big[500_000:]])):
        resp = _put(user, image["id"], body)
        assert resp.status_code == 413, resp.text
        assert resp.json()["message"] == (f"Denying attempt to upload image larger than "
                                          f"{MAX_IMAGE_SIZE} bytes.")
        shown = user.get(f"/v2/images/{image['id']}").json()
        assert (shown["status"], shown["size"], shown["checksum"]) == ("queued", None, None)
        assert images.stored_files() == []
    # Exactly the cap is fine.
    assert _put(user, image["id"], too_big[:-1]).status_code == 204
    assert user.get(f"/v2/images/{image['id']}").json()["size"] == MAX_IMAGE_SIZE


def test_upload_preconditions(images):
    user, other = images.user("p1"), images.user("p2")
    bare = user.create(name="no formats")
    resp = _put(user, bare["id"], b"x")
    assert resp.status_code == 400
    assert resp.json()["message"] == ("Properties disk_format, container_format must be set "
                                      "prior to saving data.")
    half = user.create(name="half", disk_format="qcow2")
    assert _put(user, half["id"], b"x").json()["message"] == (
        "Property container_format must be set prior to saving data.")
    assert user.get(f"/v2/images/{half['id']}").json()["status"] == "queued"

    image = _disk(user)
    for content_type in (None, "application/json", "text/plain"):
        headers = {"Content-Type": content_type} if content_type else {}
        resp = user.put(f"/v2/images/{image['id']}/file", data=b"x", headers=headers)
        assert resp.status_code == 415, (content_type, resp.text)
    assert _put(user, UUID, b"x").status_code == 404
    assert _put(user, "not-a-uuid", b"x").status_code == 404
    assert _put(other, image["id"], b"x").status_code == 404       # not theirs to see
    public = _disk(images.admin, visibility="public")
    resp = _put(user, public["id"], b"x")
    assert resp.status_code == 403 and resp.json()["code"] == "403 Forbidden"
    assert images.admin.get(f"/v2/images/{public['id']}").json()["status"] == "queued"
    assert images.stored_files() == []


def test_download_without_data_and_unknown(images):
    user = images.user()
    image = _disk(user)
    resp = user.get(f"/v2/images/{image['id']}/file")
    assert (resp.status_code, resp.content) == (204, b"")
    assert user.get(f"/v2/images/{UUID}/file").status_code == 404
    assert images.user("p2").get(f"/v2/images/{image['id']}/file").status_code == 404


@pytest.mark.parametrize("header,status,expected", [
    ("bytes=0-9", 206, (0, 9)),
    ("bytes=990-", 206, (990, 999)),
    ("bytes=-5", 206, (995, 999)),
    ("bytes=-5000", 206, (0, 999)),
    ("bytes=995-2000", 206, (995, 999)),
    ("bytes=0-0", 206, (0, 0)),
    ("bytes=999-999", 206, (999, 999)),
    ("bytes=1000-", 416, None),
    ("bytes=1000-1001", 416, None),
    ("bytes=5-2", 416, None),
    ("bytes=-0", 416, None),
    ("bytes=-", 416, None),
    ("bytes=0-1,5-6", 416, None),
    ("items=0-1", 416, None),
    ("bytes=a-b", 416, None),
])
def test_range_downloads(images, header, status, expected):
    data = _data(1000, seed=3)
    image = _disk(images.admin)
    assert _put(images.admin, image["id"], data).status_code == 204
    resp = images.admin.get(f"/v2/images/{image['id']}/file", headers={"Range": header})
    assert resp.status_code == status, resp.text
    if expected is None:
        assert resp.headers["Content-Range"] == "bytes */1000"
        assert resp.json()["code"] == "416 Requested Range Not Satisfiable"
        return
    first, last = expected
    assert resp.content == data[first:last + 1]
    assert resp.headers["Content-Range"] == f"bytes {first}-{last}/1000"
    assert int(resp.headers["Content-Length"]) == last - first + 1
    assert resp.headers["Content-Type"] == "application/octet-stream"


def test_member_lifecycle_and_other_projects(images):
    """A member creates a private image, updates it, uploads, downloads and
    deletes it; another project sees none of it; public is admin-only."""
    p1, p2 = images.user("p1"), images.user("p2")
    refused = p1.post("/v2/images", json={"name": "x", "visibility": "public"})
    assert refused.status_code == 403
    assert refused.json()["message"] == ("You are not authorized to complete "
                                         "publicize_image action.")
    image = _disk(p1, name="mine", visibility="private")
    assert (image["owner"], image["visibility"]) == ("p1", "private")
    url = f"/v2/images/{image['id']}"
    patched = p1.patch(url, [{"op": "add", "path": "/os_distro", "value": "cirros"},
                             {"op": "replace", "path": "/name", "value": "renamed"}])
    assert patched.status_code == 200 and patched.json()["os_distro"] == "cirros"
    data = _data(5000, seed=4)
    assert _put(p1, image["id"], data).status_code == 204
    assert p1.get(url + "/file").content == data
    for resp in (p2.get(url), p2.get(url + "/file"), _put(p2, image["id"], data),
                 p2.patch(url, [{"op": "replace", "path": "/name", "value": "x"}]),
                 p2.delete(url), p2.get(url + "/file", headers={"Range": "bytes=0-1"})):
        assert resp.status_code == 404, resp.text
    assert image["id"] not in [i["id"] for i in p2.get("/v2/images").json()["images"]]
    assert p1.patch(url, [{"op": "replace", "path": "/visibility",
                           "value": "public"}]).status_code == 403
    assert images.stored_files() == [image["id"]]
    assert p1.delete(url).status_code == 204
    assert p1.get(url).status_code == 404
    assert images.stored_files() == []
    assert images.counts()["images"] == 0


def test_delete_removes_the_data_file(images):
    admin = images.admin
    kept, deleted = _disk(admin, name="kept"), _disk(admin, name="deleted")
    for image in (kept, deleted):
        assert _put(admin, image["id"], _data(2000)).status_code == 204
    assert images.stored_files() == sorted([kept["id"], deleted["id"]])
    assert admin.delete(f"/v2/images/{deleted['id']}").status_code == 204
    assert images.stored_files() == [kept["id"]]
    assert not os.path.exists(os.path.join(images.datadir, deleted["id"]))
    # A queued image (no data) deletes as before.
    queued = _disk(admin, name="queued")
    assert admin.delete(f"/v2/images/{queued['id']}").status_code == 204
    assert images.stored_files() == [kept["id"]]


def test_concurrent_uploads_one_wins(images):
    admin = images.admin
    image = _disk(admin)
    bodies = [_data(400_000, seed=10 + n) for n in range(4)]
    answers: dict[int, int] = {}
    start = threading.Barrier(len(bodies))

    def upload(n: int) -> None:
        client = images.admin.__class__(images.url, {"X-Auth-Token": "admin"})
        start.wait()
        answers[n] = _put(client, image["id"], bodies[n]).status_code
    threads = [threading.Thread(target=upload, args=(n,)) for n in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers.values()) == [204, 409, 409, 409], answers
    winner = next(n for n, status in answers.items() if status == 204)
    shown = admin.get(f"/v2/images/{image['id']}").json()
    assert shown["checksum"] == hashlib.md5(bodies[winner]).hexdigest()
    assert admin.get(f"/v2/images/{image['id']}/file").content == bodies[winner]
    assert images.stored_files() == [image["id"]]


def test_deactivate_and_reactivate(images):
    admin, owner = images.admin, images.user("p1")
    image = _disk(owner)
    url = f"/v2/images/{image['id']}"
    assert admin.post(url + "/actions/deactivate").status_code == 400     # still queued
    data = _data(100)
    assert _put(owner, image["id"], data).status_code == 204
    assert owner.post(url + "/actions/deactivate").status_code == 403
    for _ in range(2):      # deactivating a deactivated image changes nothing
        assert admin.post(url + "/actions/deactivate").status_code == 204
    assert owner.get(url).json()["status"] == "deactivated"
    refused = owner.get(url + "/file")
    assert refused.status_code == 403
    assert "deactivated" in refused.json()["message"]
    assert admin.get(url + "/file").content == data
    assert _put(owner, image["id"], data).status_code == 409
    assert owner.post(url + "/actions/reactivate").status_code == 403
    assert admin.post(url + "/actions/reactivate").status_code == 204
    assert admin.post(url + "/actions/reactivate").status_code == 204
    assert owner.get(url + "/file").content == data
    assert admin.post(f"/v2/images/{UUID}/actions/deactivate").status_code == 404
    assert admin.get(url + "/actions/deactivate").status_code == 405


def test_formats_are_fixed_once_data_is_stored(images):
    user = images.user()
    image = _disk(user)
    url = f"/v2/images/{image['id']}"
    change = [{"op": "replace", "path": "/disk_format", "value": "qcow2"}]
    assert user.patch(url, change).json()["disk_format"] == "qcow2"      # queued: fine
    assert _put(user, image["id"], b"data").status_code == 204
    for key, value in (("disk_format", "raw"), ("container_format", "ova")):
        resp = user.patch(url, [{"op": "replace", "path": f"/{key}", "value": value}])
        assert resp.status_code == 403
        assert resp.json()["message"] == f"Forbidden to modify '{key}' of active image."
    renamed = user.patch(url, [{"op": "replace", "path": "/name", "value": "other"}])
    assert renamed.status_code == 200 and renamed.json()["disk_format"] == "qcow2"


def test_data_lost_from_the_store_is_a_404(images):
    admin = images.admin
    image = _disk(admin)
    assert _put(admin, image["id"], b"data").status_code == 204
    os.unlink(os.path.join(images.datadir, image["id"]))
    resp = admin.get(f"/v2/images/{image['id']}/file")
    assert resp.status_code == 404
    assert resp.json()["message"] == (f"Image data for image {image['id']} was not found in "
                                      "its store.")
    assert admin.delete(f"/v2/images/{image['id']}").status_code == 204


def test_readers_read_and_members_write(images):
    member, reader = images.user("p1"), images.user("p1", roles="reader")
    image = _disk(member)
    url = f"/v2/images/{image['id']}"
    assert _put(member, image["id"], b"data").status_code == 204
    assert reader.get(url).status_code == 200
    assert reader.get(url + "/file").content == b"data"
    for resp in (reader.post("/v2/images", json={"name": "x"}),
                 _put(reader, _disk(member, name="q")["id"], b"x"),
                 reader.patch(url, [{"op": "replace", "path": "/name", "value": "x"}]),
                 reader.delete(url)):
        assert resp.status_code == 403, resp.text
    assert member.get(url).json()["name"] == "disk"
