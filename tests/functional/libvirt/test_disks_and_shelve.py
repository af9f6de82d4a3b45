"""Real guests' local disks and their shelved disk, on two libvirt hosts of
one machine: a flavor's ephemeral and swap disks are the guest's vdb and
vdc (the swap a swap area) and a volume is attached after them; a server
shelved and offloaded comes back on its own disk — the shelve's snapshot
made a standalone root disk, the snapshot then gone from the image API and
the host's cache — and a cold migration carries that disk on; a server
booted from an image volume; a config drive the guest mounts and reads;
an admin password set through the guest's agent.

Needs ``make libvirt-deps``; never skipped (see test_real_guests)."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import time

import pytest
import requests

from nubes.compute.virt.libvirt import guest_disks, images
from tests.fixtures.cloud import server_body
from tests.functional.compute_api.volume_helpers import VolumeApi
from tests.functional.libvirt.guests import ACTION, BOOT, READY, cloud_fixture, wait_console

pytestmark = pytest.mark.slow
MARK = "write -P 0x5a 512M 64k"       # a pattern the guest never writes itself


cloud, image = cloud_fixture("libvirt-disks", hosts=2)


def _drivers(cloud) -> dict:
    return {a.host: a.driver for a in cloud.embedded.agents}


def _act(cloud, sid: str, body: dict, status: str, api=None) -> dict:
    code, answer = (api or cloud.demo).post(f"/servers/{sid}/action", body)
    assert code in (202, 204), answer
    return cloud.settled(sid, status, timeout=ACTION)


def _boot(cloud, image: str, name: str, flavor: str = "1", **fields) -> str:
    code, body = cloud.demo.post("/servers", server_body(image, name=name, flavorRef=flavor,
                                                         **fields))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE", timeout=BOOT)
    return sid


def _qemu_io(path: str, command: str) -> str:
    out = subprocess.run(["qemu-io", "-f", "qcow2", "-c", command, path],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout + out.stderr


def _images_named(cloud, name: str) -> list:
    return requests.get(cloud.embedded.urls["image"] + "/v2/images", params={"name": name},
                        headers={"X-Auth-Token": cloud.demo_token}, timeout=30
                        ).json()["images"]


def test_ephemeral_and_swap_disks_and_a_volume_after_them(cloud, image):
    code, body = cloud.admin.post("/flavors", {"flavor": {
        "name": "tiny-local", "ram": 512, "vcpus": 1, "disk": 1, "id": "tiny-local",
        "OS-FLV-EXT-DATA:ephemeral": 1, "swap": 64}})
    assert code == 200, body
    try:
        sid = _boot(cloud, image, "local", flavor="tiny-local")
        output = wait_console(cloud, sid, READY)
        assert "nubes-tiny: disk vdb 2097152 sectors" in output        # 1 GiB ephemeral
        assert "nubes-tiny: disk vdc 131072 sectors" in output         # 64 MiB swap
        driver = _drivers(cloud)[cloud.host_of(sid)]
        with open(os.path.join(driver.guest_dir(sid), guest_disks.SWAP), "rb") as f:
            f.seek(4086)
            assert f.read(10) == b"SWAPSPACE2"

        vols = VolumeApi(cloud, cloud.demo_token)
        vid = vols.create(1, name="after-local")["id"]
        code, att = cloud.demo.post(f"/servers/{sid}/os-volume_attachments",
                                    {"volumeAttachment": {"volumeId": vid}})
        assert code == 200 and att["volumeAttachment"]["device"] == "/dev/vdd", att
        vols.wait(vid, "in-use", timeout=ACTION)
        wait_console(cloud, sid, "nubes-tiny: new disk vdd 2097152 sectors", timeout=ACTION)
        assert cloud.demo.delete(f"/servers/{sid}/os-volume_attachments/{vid}")[0] == 202
        vols.wait(vid, "available", timeout=ACTION)
        wait_console(cloud, sid, "nubes-tiny: disk gone vdd", timeout=ACTION)
        assert vols.delete(vid) == 202
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
        cloud.wait_gone(cloud.demo, sid, timeout=ACTION)
        assert driver.guests() == []
    finally:
        assert cloud.admin.delete("/flavors/tiny-local")[0] == 202


def test_unshelve_boots_the_shelved_disk_and_a_migration_carries_it(cloud, image):
    sid = _boot(cloud, image, "shelf")
    wait_console(cloud, sid, READY)
    _act(cloud, sid, {"os-stop": None}, "SHUTOFF")
    drivers = _drivers(cloud)
    first = drivers[cloud.host_of(sid)]
    assert "wrote 65536/65536 bytes" in _qemu_io(
        os.path.join(first.guest_dir(sid), guest_disks.ROOT), MARK)

    _act(cloud, sid, {"shelve": None}, "SHELVED_OFFLOADED")
    (snapshot,) = _images_named(cloud, "shelf-shelved")
    assert first.guests() == []
    _act(cloud, sid, {"unshelve": None}, "ACTIVE")
    wait_console(cloud, sid, READY)
    host = drivers[cloud.host_of(sid)]
    root = os.path.join(host.guest_dir(sid), guest_disks.ROOT)
    info = json.loads(images.qemu_img("info", "-U", "--output=json", root))
    assert "backing-filename" not in info and info["virtual-size"] == images.GIB
    assert "Pattern verification failed" not in _qemu_io_read(root)
    assert snapshot["id"] not in host.cache.cached()
    deadline = time.monotonic() + 30
    while _images_named(cloud, "shelf-shelved") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _images_named(cloud, "shelf-shelved") == []

    # The standalone disk moves to the other host as it is.
    shown = _act(cloud, sid, {"migrate": None}, "VERIFY_RESIZE", api=cloud.admin)
    dest = drivers[shown["OS-EXT-SRV-ATTR:host"]]
    assert dest is not host
    wait_console(cloud, sid, READY)
    _act(cloud, sid, {"confirmResize": None}, "ACTIVE")
    moved = os.path.join(dest.guest_dir(sid), guest_disks.ROOT)
    assert "Pattern verification failed" not in _qemu_io_read(moved)
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid, timeout=ACTION)
    for driver in drivers.values():
        assert driver.guests() == []
        assert sorted(os.listdir(driver.base_dir)) == ["_base"]


def _qemu_io_read(path: str) -> str:
    """The pattern read back (shared: the guest runs on the disk)."""
    out = subprocess.run(["qemu-io", "-r", "-U", "-f", "qcow2", "-c",
                          "read -P 0x5a 512M 64k", path],
                         capture_output=True, text=True, timeout=60, check=True)
    text = out.stdout + out.stderr
    assert "read 65536/65536 bytes" in text, text
    return text


def test_a_guest_boots_from_an_image_volume_and_migrates_with_it(cloud, image):
    """The root disk is the volume's file at vda: the kernel comes from the
    volume's image metadata, nothing of it is in the host's directory, and
    a cold migration boots it on the other host from the same volume, with
    the data volume attached meanwhile."""
    code, body = cloud.demo.post("/servers", server_body(image, name="bfv", **{
        "imageRef": "", "block_device_mapping_v2": [{
            "boot_index": 0, "source_type": "image", "uuid": image,
            "destination_type": "volume", "volume_size": 1,
            "delete_on_termination": True}]}))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE", timeout=BOOT)
    output = wait_console(cloud, sid, READY)
    assert "nubes-tiny: disk vda 2097152 sectors" in output
    (attached,) = cloud.demo.get(f"/servers/{sid}/os-volume_attachments")[1][
        "volumeAttachments"]
    assert attached["device"] == "/dev/vda"
    drivers = _drivers(cloud)
    first = drivers[cloud.host_of(sid)]
    assert not os.path.exists(os.path.join(first.guest_dir(sid), guest_disks.ROOT))
    volume_file = first.attached_volumes(sid)["/dev/vda"]["data"]["device_path"]
    assert os.path.exists(volume_file)
    vols = VolumeApi(cloud, cloud.demo_token)
    data = vols.create(2, name="data")["id"]
    code, att = cloud.demo.post(f"/servers/{sid}/os-volume_attachments",
                                {"volumeAttachment": {"volumeId": data}})
    assert code == 200 and att["volumeAttachment"]["device"] == "/dev/vdb", att
    wait_console(cloud, sid, "nubes-tiny: new disk vdb 4194304 sectors", timeout=ACTION)

    # Both volumes go with the guest: it boots on the other host with them.
    shown = _act(cloud, sid, {"migrate": None}, "VERIFY_RESIZE", api=cloud.admin)
    dest = drivers[shown["OS-EXT-SRV-ATTR:host"]]
    assert dest is not first
    output = wait_console(cloud, sid, READY)
    assert "nubes-tiny: disk vda 2097152 sectors" in output
    assert "nubes-tiny: disk vdb 4194304 sectors" in output
    assert dest.attached_volumes(sid)["/dev/vda"]["data"]["device_path"] == volume_file
    assert sorted(dest.attached_volumes(sid)) == ["/dev/vda", "/dev/vdb"]
    _act(cloud, sid, {"confirmResize": None}, "ACTIVE")
    assert first.guests() == []

    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid, timeout=ACTION)
    vols.wait_gone(attached["volumeId"], timeout=ACTION)
    assert not os.path.exists(volume_file)
    vols.wait(data, "available", timeout=ACTION)
    assert vols.delete(data) == 202
    for driver in drivers.values():
        assert driver.guests() == []


def test_a_config_drive_tells_the_guest_who_it_is_and_its_agent_sets_a_password(cloud,
                                                                                image):
    user_data = base64.b64encode(b"#nubes-user-data hello\nsecond line\n").decode()
    sid = _boot(cloud, image, "with-cd", config_drive=True, user_data=user_data,
                metadata={"role": "db"})
    output = wait_console(cloud, sid, READY)
    assert "nubes-tiny: config drive vd" in output
    (meta_line,) = [line for line in output.splitlines()
                    if line.startswith("nubes-tiny: meta_data ")]
    assert f'"uuid": "{sid}"' in meta_line and '"name": "with-cd"' in meta_line
    assert '"meta": {"role": "db"}' in meta_line
    assert "nubes-tiny: user_data #nubes-user-data hello" in output
    shown = cloud.demo.get(f"/servers/{sid}")[1]["server"]
    assert shown["config_drive"] == "True"
    driver = _drivers(cloud)[cloud.host_of(sid)]
    assert os.path.exists(os.path.join(driver.guest_dir(sid), "disk.config"))
    # A server without one has none.
    plain = _boot(cloud, image, "without-cd")
    assert "config drive" not in wait_console(cloud, plain, READY)

    # The admin password is set through the guest's agent (the tiny guest
    # says so on its console).
    code, body = cloud.demo.post(f"/servers/{plain}/action",
                                 {"changePassword": {"adminPass": "s3cret-pass"}})
    assert code == 202, body
    wait_console(cloud, plain, "nubes-tiny: password set for root", timeout=ACTION)
    done = cloud.wait_action_done(plain, "changePassword", timeout=ACTION)
    assert [(e["event"], e["result"]) for e in done["events"]] == [
        ("compute_set_admin_password", "Success")]
    for server in (sid, plain):
        assert cloud.demo.delete(f"/servers/{server}")[0] == 204
    for server in (sid, plain):
        cloud.wait_gone(cloud.demo, server, timeout=ACTION)
    assert driver.guests() == []
