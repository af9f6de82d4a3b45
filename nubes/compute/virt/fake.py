"""The fake hypervisor: one node per host, named after the host, of a
configurable size.

Sizes come from ``[fake_driver]`` (:mod:`.fake_host`), overridden per
host by ``host_size`` lines (``HOST-GLOB vcpus=N memory_mb=M local_gb=G``,
the last match wins).  :meth:`FakeDriver.set_size` changes them at run time
(as if the hypervisor grew), and :attr:`FakeDriver.hooks` injects failures
(see :mod:`hooks`).  Many fake hosts can live in one process: each agent
has its own driver.
"""
from __future__ import annotations

from typing import Any, Mapping

import os_traits

from nubes.compute.virt.driver import NodeResources
from nubes.compute.virt.fake_host import SIZE_FIELDS, FakeHost

# Standard COMPUTE_* traits, less the two the tracker manages itself.
_CAPABILITY_TRAITS = frozenset(os_traits.get_traits("COMPUTE_")) - {
    os_traits.COMPUTE_NODE, os_traits.COMPUTE_STATUS_DISABLED}


def check_capabilities(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in _CAPABILITY_TRAITS]
    if unknown:
        raise ValueError(f"not standard COMPUTE_* capability traits: {unknown}")
    return names


class FakeDriver(FakeHost):
    hypervisor_type = "fake"

    def __init__(self, conf: Any, host: str):
        super().__init__(conf, host)
        self._capabilities = {name: True for name in
                              check_capabilities(list(conf.fake_driver.capabilities))}

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
