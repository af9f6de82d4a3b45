"""The fake bare-metal driver: each host manages N nodes of one custom
resource class.

Like a bare-metal cloud: a node's provider is named after the node's uuid
(derived from the host and its index, so it is stable across restarts),
its only inventory is one unit of ``CUSTOM_<resource_class>`` (min, max
and step 1, ratio 1.0), and its traits are ``[fake_baremetal]
node_traits``.  The sizes of ``[fake_driver]`` describe each node (for
display, as bare-metal nodes report them) but are not inventory.  Such
hosts are mapped with ``discover_hosts --by-service`` as usual.
"""
from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any, Mapping

import os_traits

from nubes.compute.virt.driver import NodeResources
from nubes.placement.client import Inventory
from nubes.compute.virt.fake_host import FakeHost

_NODE_NAMESPACE = uuidlib.UUID("3b0c5d1e-8f0e-4c55-a7e4-1b6a0a6c9f42")


def normalize_resource_class(name: str) -> str:
    """``baremetal-gold`` -> ``CUSTOM_BAREMETAL_GOLD``."""
    normal = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    return normal if normal.startswith("CUSTOM_") else "CUSTOM_" + normal


def node_uuid(host: str, index: int) -> str:
    return str(uuidlib.uuid5(_NODE_NAMESPACE, f"{host}/{index}"))


class FakeBaremetalDriver(FakeHost):
    hypervisor_type = "fake_baremetal"

    def __init__(self, conf: Any, host: str):
        opts = conf.fake_baremetal
        self.resource_class = normalize_resource_class(opts.resource_class)
        bad = [t for t in opts.node_traits if not os_traits.is_custom(t)]
        if bad:
            raise ValueError(f"[fake_baremetal] node_traits must be CUSTOM_* traits: {bad}")
        super().__init__(conf, host)
        self._traits = frozenset(opts.node_traits)
        self._nodes = [node_uuid(host, i) for i in range(opts.nodes_per_host)]

    def node_names(self) -> list[str]:
        with self._lock:
            return list(self._nodes)

    def node_resources(self, nodename: str) -> NodeResources:
        if nodename not in self.node_names():
            raise KeyError(f"{self.host} has no node {nodename!r}")
        resources = NodeResources(
            hypervisor_type=self.hypervisor_type, standard_inventory=False,
            extra_inventory={self.resource_class: Inventory(total=1)},
            traits=self._traits, uuid=nodename, **self._sizes)
        return self.hooks.run("node_resources", nodename, resources)

    def capabilities(self) -> Mapping[str, bool]:
        return {}
