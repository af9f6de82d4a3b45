"""Virt drivers: ``driver`` (the protocol), ``fake``, ``fake_baremetal``,
``libvirt``."""
from __future__ import annotations

from typing import Any

from nubes.compute.virt.driver import Driver


def load_driver(conf: Any, host: str, *, transport: Any = None) -> Driver:
    """The driver ``[DEFAULT] compute_driver`` names, for ``host``.  The
    libvirt driver reads instances through the cell conductor on
    ``transport`` (the host's cell bus)."""
    name = conf.compute_driver
    if name == "fake":
        from nubes.compute.virt.fake import FakeDriver
        return FakeDriver(conf, host)
    if name == "fake_baremetal":
        from nubes.compute.virt.fake_baremetal import FakeBaremetalDriver
        return FakeBaremetalDriver(conf, host)
    if name == "libvirt":
        from nubes.compute.virt.libvirt.driver import LibvirtDriver
        return LibvirtDriver(conf, host, transport=transport)
    raise ValueError(f"unknown compute_driver {name!r}")
