"""Real QEMU guests through the compute API: an embedded cloud whose hosts
run the libvirt driver boots the project's tiny image, and the tests read
its banner through os-getConsoleOutput, reboot, stop and start it, pause
and suspend it, hot-plug a `file` volume the guest then lists, snapshot it
and boot another guest from the snapshot, and delete everything, leaving
no domain, disk or console log behind.

Needs ``make libvirt-deps`` (CI runs it): when libvirtd cannot be reached
the cloud does not start and these tests fail; they are never skipped.
Guests run under TCG on machines without virtualisation extensions: the
time limits are generous."""
from __future__ import annotations

import os
import time

import pytest

from nubes.compute.states import PowerState
from nubes.compute.virt.libvirt import tiny_image
from nubes.image.client import ImageClient
from tests.fixtures.cloud import server_body
from tests.functional.compute_api.volume_helpers import VolumeApi
from tests.functional.libvirt.guests import (ACTION, BOOT, READY, cloud_fixture, console,
                                             wait_console)

pytestmark = pytest.mark.slow
cloud, image = cloud_fixture("libvirt")


@pytest.fixture(scope="module")
def driver(cloud):
    (agent,) = cloud.embedded.agents
    return agent.driver


def action(cloud, sid: str, body: dict, *statuses: str) -> dict:
    code, answer = cloud.demo.post(f"/servers/{sid}/action", body)
    assert code in (200, 202), answer      # rescue answers 200 with the password
    return cloud.settled(sid, *statuses, timeout=ACTION)


def test_two_guests_boot_reboot_stop_start_and_leave_nothing(cloud, image, driver):
    sids = []
    for name in ("g1", "g2"):
        code, body = cloud.demo.post("/servers", server_body(image, name=name))
        assert code == 202, body
        sids.append(body["server"]["id"])
    for sid in sids:
        cloud.wait_status(cloud.demo, sid, "ACTIVE", timeout=BOOT)
    for sid in sids:
        output = wait_console(cloud, sid, READY)
        assert tiny_image.BANNER in output
        # m1.tiny: a 1 GiB root disk, the overlay grown from the 1 MiB image.
        assert "nubes-tiny: disk vda 2097152 sectors" in output
    assert sorted(driver.guests()) == sorted(sids)
    g1, g2 = sids

    # A soft reboot: the ACPI power button, the guest powers off, boots again.
    action(cloud, g1, {"reboot": {"type": "SOFT"}}, "ACTIVE")
    output = wait_console(cloud, g1, READY, count=2)
    assert output.count(tiny_image.BANNER) == 2
    assert "ACPI power button: powering off" in output
    # A hard reboot of the other.
    action(cloud, g2, {"reboot": {"type": "HARD"}}, "ACTIVE")
    wait_console(cloud, g2, READY, count=2)

    # Stop and start: off (the domain stays defined), then a third boot.
    shown = action(cloud, g1, {"os-stop": None}, "SHUTOFF")
    assert shown["OS-EXT-STS:power_state"] == PowerState.SHUTDOWN
    assert driver.power_state(g1) == PowerState.SHUTDOWN
    action(cloud, g1, {"os-start": None}, "ACTIVE")
    wait_console(cloud, g1, READY, count=3)
    assert driver.power_state(g1) == PowerState.RUNNING

    # Diagnostics from libvirt's statistics.
    code, diag = cloud.admin.get(f"/servers/{g1}/diagnostics")
    assert code == 200, diag
    assert diag["state"] == "running" and diag["driver"] == "libvirt"
    assert diag["num_disks"] == 1 and diag["memory_details"]["maximum"] == 512
    assert diag["disk_details"][0]["read_bytes"] > 0

    folders = [driver.guest_dir(sid) for sid in sids]
    assert all(os.path.exists(os.path.join(f, "console.log")) for f in folders)
    for sid in sids:
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    for sid in sids:
        cloud.wait_gone(cloud.demo, sid, timeout=ACTION)
    assert driver.guests() == []
    assert not any(os.path.exists(f) for f in folders)
    # Only the image cache is left in the host's directory.
    assert sorted(os.listdir(driver.base_dir)) == ["_base"]


def test_pause_unpause_suspend_resume_rescue_unrescue(cloud, image, driver):
    code, body = cloud.demo.post("/servers", server_body(image, name="p1"))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE", timeout=BOOT)
    wait_console(cloud, sid, READY)
    action(cloud, sid, {"pause": None}, "PAUSED")
    assert driver.power_state(sid) == PowerState.PAUSED
    action(cloud, sid, {"unpause": None}, "ACTIVE")
    assert driver.power_state(sid) == PowerState.RUNNING
    action(cloud, sid, {"suspend": None}, "SUSPENDED")
    assert driver.power_state(sid) == PowerState.SUSPENDED
    action(cloud, sid, {"resume": None}, "ACTIVE")
    assert driver.power_state(sid) == PowerState.RUNNING
    # Resumed from its saved memory, not booted again.
    assert console(cloud, sid).count(tiny_image.BANNER) == 1
    # Rescue: a fresh disk of the image (1 MiB) boots, the root disk beside it.
    action(cloud, sid, {"rescue": None}, "RESCUE")
    output = wait_console(cloud, sid, READY, count=2)
    rescued = output[output.rindex(tiny_image.BANNER):]
    assert "nubes-tiny: disk vda 2048 sectors" in rescued
    assert "nubes-tiny: disk vdb 2097152 sectors" in rescued
    action(cloud, sid, {"unrescue": None}, "ACTIVE")
    output = wait_console(cloud, sid, READY, count=3)
    back = output[output.rindex(tiny_image.BANNER):]
    assert "nubes-tiny: disk vda 2097152 sectors" in back and "vdb" not in back
    assert not os.path.exists(os.path.join(driver.guest_dir(sid), "disk.rescue"))
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid, timeout=ACTION)
    assert driver.guests() == []
    assert not os.path.exists(driver.guest_dir(sid))


def test_volume_hot_plug_and_a_guest_booted_from_a_snapshot(cloud, image, driver):
    code, body = cloud.demo.post("/servers", server_body(image, name="v1"))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE", timeout=BOOT)
    wait_console(cloud, sid, READY)

    # A 1 GiB file volume, hot-plugged: the guest sees a new virtio disk.
    vols = VolumeApi(cloud, cloud.demo_token)
    vid = vols.create(1, name="data")["id"]
    code, att = cloud.demo.post(f"/servers/{sid}/os-volume_attachments",
                                {"volumeAttachment": {"volumeId": vid}})
    assert code == 200, att
    assert att["volumeAttachment"]["device"] == "/dev/vdb"
    vols.wait(vid, "in-use", timeout=ACTION)
    wait_console(cloud, sid, "nubes-tiny: new disk vdb 2097152 sectors", timeout=ACTION)
    assert driver.attached_volumes(sid)["/dev/vdb"]["serial"] == vid
    # ... and hot-unplugged.
    assert cloud.demo.delete(f"/servers/{sid}/os-volume_attachments/{vid}")[0] == 202
    vols.wait(vid, "available", timeout=ACTION)
    wait_console(cloud, sid, "nubes-tiny: disk gone vdb", timeout=ACTION)
    assert driver.attached_volumes(sid) == {}

    # A snapshot: the root disk converted and uploaded with its data.
    code, snap = cloud.demo.post(f"/servers/{sid}/action",
                                 {"createImage": {"name": "v1-snap"}}, version="2.45")
    assert code == 202, snap
    snap_id = snap["image_id"]
    cloud.settled(sid, "ACTIVE", timeout=ACTION)
    client = ImageClient(cloud.embedded.urls["image"], token=cloud.admin_token)
    try:
        shown = client.get_image(snap_id)
        assert shown.status == "active" and shown.disk_format == "qcow2"
        data = b"".join(client.download(snap_id))
    finally:
        client.close()
    assert data.startswith(b"QFI\xfb") and shown.size == len(data)
    assert shown.properties["kernel_id"] and shown.properties["ramdisk_id"]

    # A third guest boots from the snapshot.
    code, body = cloud.demo.post("/servers", server_body(snap_id, name="from-snap"))
    assert code == 202, body
    child = body["server"]["id"]
    cloud.wait_status(cloud.demo, child, "ACTIVE", timeout=BOOT)
    output = wait_console(cloud, child, READY)
    assert "nubes-tiny: disk vda 2097152 sectors" in output

    for server in (sid, child):
        assert cloud.demo.delete(f"/servers/{server}")[0] == 204
    for server in (sid, child):
        cloud.wait_gone(cloud.demo, server, timeout=ACTION)
    assert vols.delete(vid) == 202
    assert driver.guests() == []
    assert sorted(os.listdir(driver.base_dir)) == ["_base"]


def test_openstack_cli_boots_a_real_guest_and_shows_its_console(cloud, image, driver):
    created = cloud.openstack("server", "create", "--image", image, "--flavor", "m1.tiny",
                              "--nic", "none", "--wait", "cli1", "-f", "json")
    sid = created["id"]
    assert created["status"] == "ACTIVE"
    deadline = time.monotonic() + BOOT
    log = ""
    while READY not in log and time.monotonic() < deadline:
        log = cloud.openstack("console", "log", "show", sid)
        time.sleep(1)
    assert tiny_image.BANNER in log and READY in log, log
    cloud.openstack("server", "reboot", "--hard", "--wait", sid)
    wait_console(cloud, sid, READY, count=2, api=cloud.admin)     # the CLI is the admin
    cloud.openstack("server", "delete", "--wait", sid)
    assert driver.guests() == []
    assert not os.path.exists(driver.guest_dir(sid))
