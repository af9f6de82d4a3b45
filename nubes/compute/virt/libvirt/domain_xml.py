"""The libvirt domain XML of a guest: what a :class:`GuestSpec` says.

One spec makes one ``<domain>``: TCG (``type='qemu'``) or KVM, the
flavor's vCPUs and memory, the root disk (a qcow2 overlay) and optional
extra disks as virtio, a direct kernel boot when the image has a kernel and
initrd, the first serial port logged to a file (appended across boots, so the
console output keeps every boot), a virtio-serial channel for a QEMU guest
agent, no network, and an optional DAC label
(``+0:+0`` runs the QEMU process as root, for state directories other
users cannot enter).
"""
from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

AGENT_CHANNEL = "org.qemu.guest_agent.0"
# The instance uuid is the domain's uuid; its name is PREFIX + uuid.
METADATA_NS = "https://nubes.invalid/xmlns/libvirt/instance/1.0"
ET.register_namespace("nubes", METADATA_NS)


@dataclasses.dataclass(frozen=True)
class Disk:
    path: str
    target: str                 # vda, vdb, ...
    driver_type: str = "qcow2"  # qcow2 or raw
    serial: str | None = None
    readonly: bool = False


@dataclasses.dataclass(frozen=True)
class GuestSpec:
    uuid: str
    name: str
    vcpus: int
    memory_mb: int
    disks: tuple[Disk, ...]
    console_log: str
    virt_type: str = "qemu"     # qemu (TCG) or kvm
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    dac_label: str | None = None
    host: str = ""


def render(spec: GuestSpec) -> str:
    domain = ET.Element("domain", type=spec.virt_type)
    _text(domain, "name", spec.name)
    _text(domain, "uuid", spec.uuid)
    metadata = ET.SubElement(domain, "metadata")
    ET.SubElement(metadata, f"{{{METADATA_NS}}}instance", host=spec.host)
    _text(domain, "memory", str(spec.memory_mb * 1024), unit="KiB")
    _text(domain, "vcpu", str(spec.vcpus))
    os_el = ET.SubElement(domain, "os")
    _text(os_el, "type", "hvm", arch="x86_64", machine="pc")
    if spec.kernel:
        _text(os_el, "kernel", spec.kernel)
        if spec.initrd:
            _text(os_el, "initrd", spec.initrd)
        if spec.cmdline:
            _text(os_el, "cmdline", spec.cmdline)
    else:
        ET.SubElement(os_el, "boot", dev="hd")
    features = ET.SubElement(domain, "features")
    ET.SubElement(features, "acpi")
    ET.SubElement(features, "apic")
    if spec.virt_type == "kvm":
        ET.SubElement(domain, "cpu", mode="host-passthrough")
    ET.SubElement(domain, "clock", offset="utc")
    _text(domain, "on_poweroff", "destroy")
    _text(domain, "on_reboot", "restart")
    _text(domain, "on_crash", "destroy")
    devices = ET.SubElement(domain, "devices")
    for disk in spec.disks:
        devices.append(disk_element(disk))
    serial = ET.SubElement(devices, "serial", type="file")
    ET.SubElement(serial, "source", path=spec.console_log, append="on")
    ET.SubElement(serial, "target", port="0")
    ET.SubElement(devices, "memballoon", model="virtio")
    # The guest agent's channel (libvirt names the host's socket).
    channel = ET.SubElement(devices, "channel", type="unix")
    ET.SubElement(channel, "source", mode="bind")
    ET.SubElement(channel, "target", type="virtio", name=AGENT_CHANNEL)
    if spec.dac_label:
        label = ET.SubElement(domain, "seclabel", type="static", model="dac",
                              relabel="no")
        _text(label, "label", spec.dac_label)
    return ET.tostring(domain, encoding="unicode")


def disk_element(disk: Disk) -> ET.Element:
    el = ET.Element("disk", type="file", device="disk")
    ET.SubElement(el, "driver", name="qemu", type=disk.driver_type, cache="none"
                  if disk.driver_type == "raw" else "writeback")
    ET.SubElement(el, "source", file=disk.path)
    ET.SubElement(el, "target", dev=disk.target, bus="virtio")
    if disk.serial:
        _text(el, "serial", disk.serial[:20])
    if disk.readonly:
        ET.SubElement(el, "readonly")
    return el


def disk_xml(disk: Disk) -> str:
    return ET.tostring(disk_element(disk), encoding="unicode")


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, **attrs)
    el.text = text
    return el
