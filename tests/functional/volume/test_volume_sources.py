"""Volumes made from a snapshot, from another volume (a clone) and from an
image: the data is the source's, the size at least the source's, the
type the source's; the image's metadata shown and the volume bootable."""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
import uuid

import requests

from nubes.volume.backends.base import GiB

ADMIN = {"X-Auth-Token": "admin"}


def write(path: str, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def read(path: str, offset: int, count: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(count)


def host(volumes, volume_id: str) -> str:
    return volumes.admin.get(f"/volumes/{volume_id}").json()["volume"]["os-vol-host-attr:host"]


def test_volume_from_snapshot(volumes):
    user, admin = volumes.user(), volumes.admin
    assert admin.post("/types", {"volume_type": {"name": "gold"}}).status_code == 200
    vol = volumes.create(user, size=1, volume_type="gold")
    write(volumes.path(vol["id"]), 8192, b"snapshotted")
    snap = volumes.snapshot(user, vol["id"])
    write(volumes.path(vol["id"]), 8192, b"overwritten")
    resp = user.post("/volumes", {"volume": {"snapshot_id": snap["id"], "name": "restored"}})
    assert resp.status_code == 202, resp.text
    made = volumes.wait(user, resp.json()["volume"]["id"], "available")
    assert made["snapshot_id"] == snap["id"] and made["source_volid"] is None
    assert made["size"] == 1 and made["volume_type"] == "gold"
    assert host(volumes, made["id"]) == host(volumes, vol["id"])
    path = volumes.path(made["id"])
    assert read(path, 8192, 11) == b"snapshotted"
    assert os.stat(path).st_blocks * 512 < 64 << 20
    bigger = volumes.create(user, snapshot_id=snap["id"], size=2)
    assert bigger["size"] == 2 and os.path.getsize(volumes.path(bigger["id"])) == 2 * GiB
    assert read(volumes.path(bigger["id"]), 8192, 11) == b"snapshotted"
    listed = user.get("/volumes/detail?sort=name:asc").json()["volumes"]
    assert {v["snapshot_id"] for v in listed} == {None, snap["id"]}
    # The snapshot stays deletable: the new volumes own their bytes.
    assert user.delete(f"/snapshots/{snap['id']}").status_code == 202
    volumes.wait_gone(user, snap["id"], collection="snapshots")
    assert read(path, 8192, 11) == b"snapshotted"


def test_volume_from_snapshot_refusals(volumes):
    user, admin = volumes.user(), volumes.admin
    vol = volumes.create(user, size=2)
    snap = volumes.snapshot(user, vol["id"])
    resp = user.post("/volumes", {"volume": {"snapshot_id": snap["id"], "size": 1}})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot size "
        "2GB. They must be >= original snapshot size.")
    admin.post(f"/snapshots/{snap['id']}/action", {"os-reset_status": {"status": "error"}})
    resp = user.post("/volumes", {"volume": {"snapshot_id": snap["id"]}})
    assert resp.status_code == 400 and "Invalid snapshot" in resp.text
    resp = user.post("/volumes", {"volume": {"snapshot_id": str(uuid.uuid4())}})
    assert resp.status_code == 404 and "itemNotFound" in resp.json()
    other = volumes.user("p2")
    assert other.post("/volumes", {"volume": {"snapshot_id": snap["id"]}}).status_code == 404
    resp = user.post("/volumes", {"volume": {"snapshot_id": snap["id"],
                                             "source_volid": vol["id"]}})
    assert resp.status_code == 400
    admin.put("/os-quota-sets/p1", {"quota_set": {"gigabytes": 5}})
    admin.post(f"/snapshots/{snap['id']}/action", {"os-reset_status": {"status": "available"}})
    resp = user.post("/volumes", {"volume": {"snapshot_id": snap["id"]}})
    assert resp.status_code == 413
    assert len(user.get("/volumes").json()["volumes"]) == 1


def test_clone_of_an_available_or_in_use_volume(volumes):
    user, admin = volumes.user(), volumes.admin
    vol = volumes.create(user, size=1, metadata={"a": "b"})
    write(volumes.path(vol["id"]), GiB - 6, b"tail!!")
    clone = volumes.create(user, source_volid=vol["id"])
    assert clone["source_volid"] == vol["id"] and clone["size"] == 1
    assert clone["metadata"] == {}
    assert read(volumes.path(clone["id"]), GiB - 6, 6) == b"tail!!"
    admin.post(f"/volumes/{vol['id']}/action", {"os-reset_status": {"status": "in-use"}})
    in_use_clone = volumes.create(user, source_volid=vol["id"], size=3)
    assert in_use_clone["size"] == 3
    assert read(volumes.path(in_use_clone["id"]), GiB - 6, 6) == b"tail!!"
    resp = user.post("/volumes", {"volume": {"source_volid": vol["id"], "size": 0}})
    assert resp.status_code == 400
    admin.post(f"/volumes/{vol['id']}/action", {"os-reset_status": {"status": "available"}})
    assert volumes.create(user, size=2)   # a 2 GB source for the size check
    big = volumes.create(user, size=2)
    resp = user.post("/volumes", {"volume": {"source_volid": big["id"], "size": 1}})
    assert resp.status_code == 400 and "original volume size 2GB" in resp.text
    admin.post(f"/volumes/{vol['id']}/action", {"os-reset_status": {"status": "error"}})
    resp = user.post("/volumes", {"volume": {"source_volid": vol["id"]}})
    assert resp.status_code == 400 and "current status is: error" in resp.text
    resp = user.post("/volumes", {"volume": {"source_volid": str(uuid.uuid4())}})
    assert resp.status_code == 404


def _image(volumes, data: bytes, **fields) -> dict:
    base = volumes.image_url
    body = {"name": "img", "disk_format": "raw", "container_format": "bare",
            "visibility": "public", **fields}
    resp = requests.post(f"{base}/v2/images", json=body, headers=ADMIN, timeout=30)
    assert resp.status_code == 201, resp.text
    image = resp.json()
    if data:
        resp = requests.put(f"{base}/v2/images/{image['id']}/file", data=data,
                            headers={**ADMIN, "Content-Type": "application/octet-stream"},
                            timeout=30)
        assert resp.status_code == 204, resp.text
    return image


def test_volume_from_a_raw_image(volumes):
    user = volumes.user()
    data = b"\x00" * 65536 + b"boot sector" + b"\x00" * 1000 + b"more"
    image = _image(volumes, data, os_distro="cirros", min_disk=1)
    resp = user.post("/volumes", {"volume": {"size": 1, "imageRef": image["id"]}})
    assert resp.status_code == 202, resp.text
    made = volumes.wait(user, resp.json()["volume"]["id"], "available")
    assert made["bootable"] == "true"
    meta = made["volume_image_metadata"]
    assert meta["image_id"] == image["id"] and meta["image_name"] == "img"
    assert meta["disk_format"] == "raw" and meta["os_distro"] == "cirros"
    assert meta["min_disk"] == "1" and meta["size"] == str(len(data))
    assert read(volumes.path(made["id"]), 0, len(data)) == data
    assert os.path.getsize(volumes.path(made["id"])) == GiB
    listed = user.get("/volumes/detail").json()["volumes"]
    assert listed[0]["volume_image_metadata"]["image_id"] == image["id"]
    clone = volumes.create(user, source_volid=made["id"])
    assert clone["bootable"] == "true"
    assert clone["volume_image_metadata"]["image_id"] == image["id"]


def test_volume_from_a_qcow2_image_is_converted(volumes, tmp_path):
    raw, qcow2 = tmp_path / "disk.raw", tmp_path / "disk.qcow2"
    with open(raw, "wb") as f:
        f.truncate(8 << 20)
        f.seek(1 << 20)
        f.write(b"inside the qcow2")
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow2)],
                   check=True, capture_output=True)
    image = _image(volumes, qcow2.read_bytes(), disk_format="qcow2")
    user = volumes.user()
    made = volumes.create(user, size=1, imageRef=image["id"])
    assert read(volumes.path(made["id"]), 1 << 20, 16) == b"inside the qcow2"
    assert read(volumes.path(made["id"]), 0, 4) == b"\x00" * 4    # raw, not the qcow2 header


def test_volume_from_image_refusals(volumes):
    user = volumes.user()
    resp = user.post("/volumes", {"volume": {"size": 1, "imageRef": str(uuid.uuid4())}})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        "Invalid image identifier or unable to access requested image.")
    big = _image(volumes, b"x" * 10, min_disk=3)
    resp = user.post("/volumes", {"volume": {"size": 2, "imageRef": big["id"]}})
    assert resp.status_code == 400
    assert "cannot be smaller than the image minDisk size 3GB" in resp.text
    queued = _image(volumes, b"")
    resp = user.post("/volumes", {"volume": {"size": 1, "imageRef": queued["id"]}})
    assert resp.status_code == 400 and "is not active" in resp.text
    assert user.get("/volumes").json()["volumes"] == []
    # An image that is no disk: the volume ends in error and leaves no file.
    bad = _image(volumes, b"not a qcow2 at all", disk_format="qcow2")
    failed = volumes.create(user, size=1, imageRef=bad["id"], wait="error")
    assert "qemu-img" in volumes.row(failed["id"]).error_message
    assert volumes.files() == []


def _wait_image(volumes, image_id: str, status: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        image = requests.get(f"{volumes.image_url}/v2/images/{image_id}", headers=ADMIN,
                             timeout=30).json()
        if image["status"] == status:
            return image
        time.sleep(0.05)
    raise AssertionError(f"image {image_id} is not {status}: {image}")


def test_upload_volume_to_image(volumes):
    admin = volumes.admin      # the image API takes the admin token's project
    vol = volumes.create(admin, size=1)
    write(volumes.path(vol["id"]), 512, b"uploaded bytes")
    resp = admin.post(f"/volumes/{vol['id']}/action", {"os-volume_upload_image": {
        "image_name": "from-volume", "disk_format": "raw", "container_format": "bare",
        "visibility": "private", "protected": False}})
    assert resp.status_code == 202, resp.text
    answer = resp.json()["os-volume_upload_image"]
    assert answer["id"] == vol["id"] and answer["status"] == "uploading"
    assert answer["image_name"] == "from-volume" and answer["disk_format"] == "raw"
    assert answer["volume_type"]["name"] == "__DEFAULT__" and answer["size"] == 1
    image = _wait_image(volumes, answer["image_id"], "active")
    assert image["size"] == GiB and image["min_disk"] == 1
    assert volumes.wait(admin, vol["id"], "available")["status"] == "available"
    # The image holds the volume's bytes (compared by checksum: 1 GiB).
    digest = hashlib.md5()
    with open(volumes.path(vol["id"]), "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    assert image["checksum"] == digest.hexdigest()


def test_upload_as_qcow2_and_in_use_needs_force(volumes):
    admin = volumes.admin
    vol = volumes.create(admin, size=1)
    write(volumes.path(vol["id"]), 3 << 20, b"qcow2 inside")
    admin.post(f"/volumes/{vol['id']}/action", {"os-reset_status": {"status": "in-use"}})
    action = f"/volumes/{vol['id']}/action"
    body = {"image_name": "q", "disk_format": "qcow2"}
    resp = admin.post(action, {"os-volume_upload_image": body})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == "Invalid volume: Volume status is in-use."
    resp = admin.post(action, {"os-volume_upload_image": {**body, "force": True}})
    assert resp.status_code == 202, resp.text
    image = _wait_image(volumes, resp.json()["os-volume_upload_image"]["image_id"], "active")
    assert image["disk_format"] == "qcow2" and image["size"] < 1 << 20
    assert volumes.wait(admin, vol["id"], "in-use")["status"] == "in-use"
    copy = volumes.create(admin, size=1, imageRef=image["id"])
    assert read(volumes.path(copy["id"]), 3 << 20, 12) == b"qcow2 inside"
    for bad in ({}, {"image_name": "x", "disk_format": "iso"},
                {"image_name": "x", "container_format": "ovf"}, {"image_name": ""}):
        assert admin.post(action, {"os-volume_upload_image": bad}).status_code == 400
    admin.post(action, {"os-reset_status": {"status": "error"}})
    resp = admin.post(action, {"os-volume_upload_image": {**body, "force": True}})
    assert resp.status_code == 400 and "available/in-use" in resp.text


def test_image_metadata_actions(volumes):
    user = volumes.user()
    image = _image(volumes, b"abc")
    vol = volumes.create(user, size=1, imageRef=image["id"])
    action = f"/volumes/{vol['id']}/action"
    resp = user.post(action, {"os-set_image_metadata": {"metadata": {"hw_disk_bus": "scsi"}}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"]["hw_disk_bus"] == "scsi"
    assert resp.json()["metadata"]["image_id"] == image["id"]
    shown = user.post(action, {"os-show_image_metadata": None}).json()["metadata"]
    assert shown["hw_disk_bus"] == "scsi"
    assert user.post(action, {"os-unset_image_metadata": {"key": "hw_disk_bus"}}
                     ).status_code == 200
    assert user.post(action, {"os-unset_image_metadata": {"key": "hw_disk_bus"}}
                     ).status_code == 404
    shown = user.get(f"/volumes/{vol['id']}").json()["volume"]["volume_image_metadata"]
    assert "hw_disk_bus" not in shown and shown["image_id"] == image["id"]
    blank = volumes.create(user)
    assert "volume_image_metadata" not in blank
    assert volumes.user("p2").post(f"/volumes/{blank['id']}/action", {
        "os-show_image_metadata": None}).status_code == 404


def test_a_volume_without_data_is_no_source(volumes):
    admin = volumes.admin
    admin.put("/os-quota-sets/admin", {"quota_set": {"gigabytes": -1}})
    empty = volumes.create(admin, size=101, wait="error")      # no pool fits: no file
    admin.post(f"/volumes/{empty['id']}/action", {"os-reset_status": {"status": "available"}})
    resp = admin.post("/volumes", {"volume": {"source_volid": empty["id"]}})
    assert resp.status_code == 400 and "has no data" in resp.text
    resp = admin.post(f"/volumes/{empty['id']}/action",
                      {"os-volume_upload_image": {"image_name": "x"}})
    assert resp.status_code == 400 and "has no data" in resp.text
    snap = volumes.snapshot(admin, empty["id"], wait="error")
    assert snap["status"] == "error"
    resp = admin.post("/volumes", {"volume": {"snapshot_id": snap["id"]}})
    assert resp.status_code == 400
    assert admin.delete(f"/volumes/{empty['id']}?cascade=true").status_code == 202
    volumes.wait_gone(admin, empty["id"])
    assert admin.get(f"/snapshots/{snap['id']}").status_code == 404
