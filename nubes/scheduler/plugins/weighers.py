"""Weighers: free capacity on the host's own provider, from placement's
provider summaries (capacity - used, this request's claims included).

A positive multiplier spreads instances over hosts (most free first), a
negative one stacks them (least free first)."""
from __future__ import annotations

from typing import Any

import os_resource_classes as orc

from nubes.scheduler.host_state import HostState
from nubes.scheduler.messages import RequestSpec
from nubes.scheduler.plugins.base import CycleState


class _FreeCapacityWeigher:
    name = ""
    resource_class = ""
    option = ""

    def __init__(self, conf: Any, catalog: Any):
        self.multiplier = float(getattr(conf.scheduler, self.option))

    def weigh(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> float:
        return host.free(self.resource_class)


class RAMWeigher(_FreeCapacityWeigher):
    name = "ram"
    resource_class = orc.MEMORY_MB
    option = "ram_weight_multiplier"


class CPUWeigher(_FreeCapacityWeigher):
    name = "cpu"
    resource_class = orc.VCPU
    option = "cpu_weight_multiplier"


class DiskWeigher(_FreeCapacityWeigher):
    name = "disk"
    resource_class = orc.DISK_GB
    option = "disk_weight_multiplier"
