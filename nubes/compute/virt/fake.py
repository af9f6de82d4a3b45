"""The fake hypervisor: one node per host, named after the host, of a
configurable size.

Sizes come from ``[fake_driver] vcpus/memory_mb/local_gb``, overridden per
host by ``host_size`` lines (``HOST-GLOB vcpus=N memory_mb=M local_gb=G``,
the last match wins).  :meth:`FakeDriver.set_size` changes them at run time
(as if the hypervisor grew), and :attr:`FakeDriver.hooks` injects failures
(see :mod:`hooks`).  Many fake hosts can live in one process: each agent
has its own driver.
"""
from __future__ import annotations

import fnmatch
import threading
from typing import Any, Mapping

import os_traits

from nubes.compute.virt.driver import NodeResources
from nubes.compute.virt.fake_guests import FakeGuests
from nubes.compute.virt.hooks import Hooks

SIZE_FIELDS = ("vcpus", "memory_mb", "local_gb")


def parse_host_size(line: str) -> tuple[str, dict[str, int]]:
    """``'cell1-* vcpus=4 memory_mb=2048'`` -> ``('cell1-*', {...})``."""
    parts = line.split()
    if not parts:
        raise ValueError("empty [fake_driver] host_size line")
    sizes = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep or key not in SIZE_FIELDS:
            raise ValueError(f"bad [fake_driver] host_size item {part!r} in {line!r}: "
                             f"use {'/'.join(SIZE_FIELDS)}=N")
        sizes[key] = int(value)
    return parts[0], sizes


def host_size(conf: Any, host: str) -> dict[str, int]:
    opts = conf.fake_driver
    sizes = {name: getattr(opts, name) for name in SIZE_FIELDS}
    for line in opts.host_size:
        pattern, override = parse_host_size(line)
        if fnmatch.fnmatchcase(host, pattern):
            sizes.update(override)
    return sizes


# Standard COMPUTE_* traits, less the two the tracker manages itself.
_CAPABILITY_TRAITS = frozenset(os_traits.get_traits("COMPUTE_")) - {
    os_traits.COMPUTE_NODE, os_traits.COMPUTE_STATUS_DISABLED}


def check_capabilities(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in _CAPABILITY_TRAITS]
    if unknown:
        raise ValueError(f"not standard COMPUTE_* capability traits: {unknown}")
    return names


class FakeDriver(FakeGuests):
    hypervisor_type = "fake"

    def __init__(self, conf: Any, host: str):
        self.host = host
        self._sizes = host_size(conf, host)
        self._capabilities = {name: True for name in
                              check_capabilities(list(conf.fake_driver.capabilities))}
        self._lock = threading.Lock()
        self.hooks = Hooks()
        self.hooks.install_failures(conf.fake_driver.fail, host)

    def init_host(self) -> None:
        self.hooks.run("init_host", self.host, None)

    def node_names(self) -> list[str]:
        return [self.host]

    def node_resources(self, nodename: str) -> NodeResources:
        if nodename != self.host:
            raise KeyError(f"{self.host} has no node {nodename!r}")
        with self._lock:
            sizes = dict(self._sizes)
        resources = NodeResources(hypervisor_type=self.hypervisor_type, **sizes)
        return self.hooks.run("node_resources", nodename, resources)

    def capabilities(self) -> Mapping[str, bool]:
        return dict(self._capabilities)

    def set_capability(self, name: str, supported: bool) -> None:
        """Support (or stop supporting) a COMPUTE_* capability."""
        check_capabilities([name])
        with self._lock:
            self._capabilities[name] = supported

    def set_size(self, **sizes: int) -> None:
        """Change the host's vcpus, memory_mb and/or local_gb."""
        unknown = set(sizes) - set(SIZE_FIELDS)
        if unknown:
            raise TypeError(f"unknown sizes {sorted(unknown)}")
        with self._lock:
            self._sizes.update(sizes)
