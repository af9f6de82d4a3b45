"""``[libvirt]``: the libvirt/QEMU virt driver (``compute_driver = libvirt``).

Read by ``nubes-compute`` and the embedded cloud's compute hosts when they
run real guests (:mod:`nubes.compute.virt.libvirt`); see
``docs/compute/libvirt.md``.
"""
from __future__ import annotations

from oslo_config import cfg

LIBVIRT_OPTS = [
    cfg.StrOpt("connection_uri", default="qemu:///system",
               help="The libvirt connection every host of this process uses."),
    cfg.StrOpt("virt_type", default="auto", choices=["auto", "kvm", "qemu"],
               help="kvm, qemu (TCG: software emulation) or auto: kvm when "
                    "/dev/kvm can create a VM, else qemu."),
    cfg.StrOpt("instances_path", default="$state_path/instances",
               help="Where guests' disks, console logs and the image cache "
                    "live: one directory per compute host under it."),
    cfg.StrOpt("domain_prefix", default="nubes-",
               help="Domain names are PREFIX + host + '-' + instance uuid; "
                    "a host only ever sees the domains of its own prefix."),
    cfg.IntOpt("shutdown_timeout", default=60, min=0, max=3600,
               help="Seconds a soft reboot or a stop waits for the guest to "
                    "power off after the ACPI power button before it is "
                    "destroyed (nova's shutdown_timeout)."),
    cfg.IntOpt("boot_wait", default=60, min=0, max=3600,
               help="Seconds a spawn waits for the domain to be running."),
    cfg.StrOpt("dac_label",
               help="DAC label of the QEMU processes ('+0:+0': root), for "
                    "instance paths the libvirt-qemu user cannot enter; "
                    "unset: libvirt's qemu.conf user."),
    cfg.StrOpt("image_token", secret=True,
               help="Token the hosts download image data and read a root "
                    "volume's image metadata with (the embedded cloud sets "
                    "its service token)."),
    cfg.IntOpt("console_log_bytes", default=1024 * 1024, min=4096,
               help="At most this many bytes from the end of the console log "
                    "are returned as the console output."),
]
