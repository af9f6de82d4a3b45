"""Virt drivers: ``driver`` (the protocol), ``fake``, ``fake_baremetal``."""
from __future__ import annotations

from typing import Any

from nubes.compute.virt.driver import Driver


def load_driver(conf: Any, host: str) -> Driver:
    """The driver ``[DEFAULT] compute_driver`` names, for ``host``."""
    name = conf.compute_driver
    if name == "fake":
        from nubes.compute.virt.fake import FakeDriver
        return FakeDriver(conf, host)
    if name == "fake_baremetal":
        from nubes.compute.virt.fake_baremetal import FakeBaremetalDriver
        return FakeBaremetalDriver(conf, host)
    raise ValueError(f"unknown compute_driver {name!r}")
