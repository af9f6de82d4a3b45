"""The libvirt driver's pieces that need no libvirtd: the domain XML, the
initramfs archive, KVM detection and the volume disk of a connection."""
from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET

import pytest

from nubes.compute.virt.driver import DriverError
from nubes.compute.virt.libvirt import domain_xml, tiny_image
from nubes.compute.virt.libvirt.connection import choose_virt_type, kvm_usable
from nubes.compute.virt.libvirt.guest_disks import volume_disk as _volume_disk


def spec(**kw):
    values = dict(uuid="0e0a5c7e-9c34-4a36-8a3b-1f0e2a3b4c5d", name="nubes-h1-x", vcpus=2,
                  memory_mb=512, disks=(domain_xml.Disk("/i/disk", "vda"),),
                  console_log="/i/console.log", kernel="/c/k", initrd="/c/r",
                  cmdline="console=ttyS0", host="h1")
    values.update(kw)
    return domain_xml.GuestSpec(**values)


def test_domain_xml_direct_kernel_boot_tcg():
    root = ET.fromstring(domain_xml.render(spec()))
    assert root.get("type") == "qemu"
    assert root.findtext("memory") == str(512 * 1024)
    assert root.findtext("vcpu") == "2"
    assert root.findtext("os/kernel") == "/c/k" and root.findtext("os/initrd") == "/c/r"
    assert root.findtext("os/cmdline") == "console=ttyS0"
    assert root.find("os/boot") is None
    disk = root.find("devices/disk")
    assert disk.find("source").get("file") == "/i/disk"
    assert disk.find("target").attrib == {"dev": "vda", "bus": "virtio"}
    serial = root.find("devices/serial")
    assert serial.find("source").attrib == {"path": "/i/console.log", "append": "on"}
    assert root.find("seclabel") is None and root.find("cpu") is None


def test_domain_xml_disk_boot_kvm_with_a_dac_label():
    root = ET.fromstring(domain_xml.render(spec(kernel=None, virt_type="kvm",
                                                dac_label="+0:+0")))
    assert root.get("type") == "kvm"
    assert root.find("os/boot").get("dev") == "hd" and root.find("os/kernel") is None
    assert root.find("cpu").get("mode") == "host-passthrough"
    assert root.findtext("seclabel/label") == "+0:+0"


def test_volume_disk_of_a_file_connection():
    disk = _volume_disk("/dev/vdb", {"driver_volume_type": "file", "serial": "v" * 36,
                                     "data": {"device_path": "/pool/v1"}})
    assert (disk.path, disk.target, disk.driver_type, disk.serial) == (
        "/pool/v1", "vdb", "raw", "v" * 36)
    assert ET.fromstring(domain_xml.disk_xml(disk)).findtext("serial") == "v" * 20
    with pytest.raises(DriverError, match="file volumes only"):
        _volume_disk("/dev/vdb", {"driver_volume_type": "iscsi", "data": {}})


def test_cpio_newc_archive():
    archive = tiny_image.Cpio()
    archive.add_dir("bin")
    archive.add_file("init", b"#!/bin/sh\n", mode=0o100755)
    data = archive.finish()
    assert data.startswith(b"070701")
    assert len(data) % 4 == 0
    assert b"init\0" in data and b"#!/bin/sh\n" in data and b"TRAILER!!!\0" in data
    assert gzip.decompress(gzip.compress(data)) == data


def test_kvm_needs_the_cpu_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n")
    assert not kvm_usable(str(tmp_path / "no-such-kvm"), str(cpuinfo))
    assert not kvm_usable("/dev/null", str(cpuinfo))
    cpuinfo.write_text("flags\t\t: fpu vmx\n")
    assert not kvm_usable(str(tmp_path / "no-such-kvm"), str(cpuinfo))
    assert choose_virt_type("kvm") == "kvm" and choose_virt_type("qemu") == "qemu"


def test_every_domain_has_a_guest_agent_channel():
    root = ET.fromstring(domain_xml.render(spec()))
    (channel,) = root.findall("devices/channel")
    assert channel.get("type") == "unix" and channel.find("source").get("mode") == "bind"
    assert channel.find("target").attrib == {"type": "virtio",
                                             "name": "org.qemu.guest_agent.0"}
