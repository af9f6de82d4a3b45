"""Where a guest's local disks, volumes and config drive sit (shared by
the compute API and the libvirt driver), and the swap, standalone and
config-drive disks the driver makes with mkswap, qemu-img and genisoimage."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import types

import pytest

from nubes.common import local_disks
from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.libvirt import config_drive, domain_xml, guest_disks, images
from nubes.conductor.cell.messages import GuestData


def test_local_devices_follow_the_root_disk():
    assert local_disks.local_devices(0, 0) == {}
    assert local_disks.local_devices(1, 0) == {"ephemeral": "/dev/vdb"}
    assert local_disks.local_devices(0, 512) == {"swap": "/dev/vdb"}
    assert local_disks.local_devices(2, 512) == {"ephemeral": "/dev/vdb", "swap": "/dev/vdc"}
    assert local_disks.local_devices(2, 512, {"/dev/vdb", "/dev/vdd"}) == {
        "ephemeral": "/dev/vdc", "swap": "/dev/vde"}
    every = {f"/dev/vd{c}" for c in "bcdefghijklmnopqrstuvwxyz"}
    assert local_disks.local_devices(1, 0, every) == {"ephemeral": None}


def test_swap_of_a_flavor_json():
    assert local_disks.swap_mb(json.dumps({"swap": 256})) == 256
    assert local_disks.swap_mb({"swap": "64"}) == 64
    for odd in (None, "", "not json", "[1]", {"swap": "x"}, {"swap": -5}, {}):
        assert local_disks.swap_mb(odd) == 0
    instance = types.SimpleNamespace(ephemeral_gb=1, flavor=json.dumps({"swap": 128}))
    assert local_disks.instance_local_devices(instance) == {"/dev/vdb", "/dev/vdc"}


def _record(ephemeral_gb=0, swap=0):
    return types.SimpleNamespace(ephemeral_gb=ephemeral_gb, swap=swap, root_gb=1)


def _file_volume(path, target=None):
    info = {"driver_volume_type": "file", "serial": "s", "data": {"device_path": path}}
    return {**info, "target": target} if target else info


def test_domain_disks_name_local_disks_around_the_volumes():
    disks = guest_disks.domain_disks("/g", _record(1, 64), {"/dev/vdd": _file_volume("/v1")})
    assert [(d.path, d.target, d.driver_type) for d in disks] == [
        ("/g/disk", "vda", "qcow2"), ("/g/disk.eph0", "vdb", "qcow2"),
        ("/g/disk.swap", "vdc", "raw"), ("/v1", "vdd", "raw")]
    # A volume booted at the name the flavor's ephemeral disk would have.
    disks = guest_disks.domain_disks("/g", _record(1, 0), {"/dev/vdb": _file_volume("/v1")})
    assert [d.target for d in disks] == ["vda", "vdc", "vdb"]
    # A volume plugged elsewhere than its mountpoint keeps that place.
    disks = guest_disks.domain_disks("/g", _record(0, 64),
                                     {"/dev/vdb": _file_volume("/v1", target="vdd")})
    assert [d.target for d in disks] == ["vda", "vdb", "vdd"]


def test_volume_target_avoids_the_guests_disks():
    disks = guest_disks.domain_disks("/g", _record(1, 64), {})
    assert guest_disks.volume_target("/dev/vdd", disks) == "vdd"
    assert guest_disks.volume_target("/dev/vdb", disks) == "vdd"
    full = [guest_disks.Disk(f"/d{c}", f"vd{c}") for c in "abcdefghijklmnopqrstuvwxyz"]
    with pytest.raises(DriverError, match="no device name left"):
        guest_disks.volume_target("/dev/vdb", full)


def test_make_local_makes_a_swap_area_and_the_ephemeral_disk(tmp_path):
    folder = str(tmp_path)
    guest_disks.make_local(folder, _record(1, 8))
    swap = os.path.join(folder, guest_disks.SWAP)
    assert os.path.getsize(swap) == 8 * 1024 * 1024
    with open(swap, "rb") as f:
        f.seek(4096 - 10)
        assert f.read(10) == b"SWAPSPACE2"
    assert images.virtual_size(os.path.join(folder, guest_disks.EPHEMERAL)) == images.GIB
    # A flavor without swap: the swap file goes; with fresh_swap it is made again.
    guest_disks.make_local(folder, _record(1, 0))
    assert not os.path.exists(swap)
    guest_disks.make_local(folder, _record(1, 16), fresh_swap=True)
    assert os.path.getsize(swap) == 16 * 1024 * 1024
    assert not [n for n in os.listdir(folder) if n.endswith(".part")]


def test_copy_standalone_has_no_backing_file_and_keeps_the_data(tmp_path):
    base = str(tmp_path / "base.raw")
    with open(base, "wb") as f:
        f.write(b"\x5a" * 65536)
        f.truncate(1024 * 1024)
    overlay = str(tmp_path / "overlay")
    images.create_overlay(base, "raw", overlay, 0)
    out = str(tmp_path / "disk")
    images.copy_standalone(overlay, "qcow2", out, 1)
    info = json.loads(images.qemu_img("info", "--output=json", out))
    assert info["format"] == "qcow2" and "backing-filename" not in info
    assert info["virtual-size"] == images.GIB
    raw = str(tmp_path / "back.raw")
    images.qemu_img("convert", "-O", "raw", out, raw)
    with open(raw, "rb") as f:
        assert f.read(65536) == b"\x5a" * 65536
    big = tmp_path / "big.raw"
    with open(big, "wb") as f:
        f.truncate(2 * images.GIB)
    with pytest.raises(DriverError, match="too small"):
        images.copy_standalone(str(big), "raw", str(tmp_path / "small"), 1)
    assert not (tmp_path / "small").exists()


def test_the_config_drive_is_read_only_at_the_last_free_name():
    disks = guest_disks.domain_disks("/g", _record(1, 0), {"/dev/vdc": _file_volume("/v1")},
                                     config_drive="/g/disk.config")
    assert [(d.target, d.readonly) for d in disks] == [
        ("vda", False), ("vdb", False), ("vdc", False), ("vdz", True)]
    disks = guest_disks.domain_disks("/g", _record(), {"/dev/vdz": _file_volume("/v1")},
                                     config_drive="/g/disk.config")
    assert [d.target for d in disks] == ["vda", "vdz", "vdy"]
    xml = domain_xml.disk_xml(disks[-1])
    assert "<readonly />" in xml and 'type="raw"' in xml


def _iso_file(iso: str, path: str) -> bytes:
    out = subprocess.run(["isoinfo", "-R", "-i", iso, "-x", path], capture_output=True,
                         check=True, timeout=30)
    return out.stdout


def test_config_drive_holds_what_the_guest_is_told(tmp_path):
    data = GuestData(uuid="u-1", name="web", hostname="web", launch_index=0,
                     availability_zone="nova", project_id="p1", key_name="k",
                     key_data="ssh-ed25519 AAAA k", metadata={"role": "db"},
                     user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
                     config_drive=True)
    iso = str(tmp_path / config_drive.FILE)
    config_drive.build(iso, data)
    label = subprocess.run(["isoinfo", "-d", "-i", iso], capture_output=True, text=True,
                           check=True, timeout=30).stdout
    assert "Volume id: config-2" in label
    for version in config_drive.VERSIONS:
        meta = json.loads(_iso_file(iso, f"/openstack/{version}/meta_data.json"))
        assert {k: meta[k] for k in ("uuid", "name", "hostname", "meta", "public_keys")} == {
            "uuid": "u-1", "name": "web", "hostname": "web", "meta": {"role": "db"},
            "public_keys": {"k": "ssh-ed25519 AAAA k"}}
        assert len(base64.b64decode(meta["random_seed"])) == 512
        assert _iso_file(iso, f"/openstack/{version}/user_data") == b"#!/bin/sh\necho hi\n"
    assert json.loads(_iso_file(iso, "/openstack/latest/network_data.json")) == {
        "links": [], "networks": [], "services": []}
    # No user data, no key pair: neither is there.
    bare = str(tmp_path / "bare")
    config_drive.build(bare, GuestData(uuid="u-2", config_drive=True))
    meta = json.loads(_iso_file(bare, "/openstack/latest/meta_data.json"))
    assert "public_keys" not in meta and meta["meta"] == {}
    assert _iso_file(bare, "/openstack/latest/user_data") == b""
