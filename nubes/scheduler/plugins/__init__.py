"""Scheduler plugins by name, and the pipeline the configuration enables.

``[scheduler] enabled_prefilters``, ``enabled_filters`` and
``enabled_weighers`` list plugin names; nova's filter class names are
accepted for the filters that have a counterpart here.  An unknown name
stops the scheduler at start, not at the first request.
"""
from __future__ import annotations

from typing import Any

from nubes.scheduler.plugins import filters, prefilters, weighers
from nubes.scheduler.plugins.base import CycleState, Pipeline

PREFILTERS = {cls.name: cls for cls in (prefilters.AvailabilityZonePrefilter,
                                        prefilters.DisabledComputePrefilter)}
FILTERS = {cls.name: cls for cls in (filters.ComputeUpFilter,
                                     filters.AvailabilityZoneFilter,
                                     filters.ImagePropertiesFilter,
                                     filters.ServerGroupAffinityFilter,
                                     filters.ServerGroupAntiAffinityFilter)}
WEIGHERS = {cls.name: cls for cls in (weighers.RAMWeigher, weighers.CPUWeigher,
                                      weighers.DiskWeigher)}
# nova's names for the same checks.
ALIASES = {"ComputeFilter": "compute_up", "AvailabilityZoneFilter": "availability_zone",
           "ImagePropertiesFilter": "image_properties",
           "ServerGroupAffinityFilter": "server_group_affinity",
           "ServerGroupAntiAffinityFilter": "server_group_anti_affinity",
           "RAMWeigher": "ram", "CPUWeigher": "cpu", "DiskWeigher": "disk"}


def _build(kind: str, registry: dict[str, type], names: list[str], conf: Any,
           catalog: Any) -> list:
    plugins = []
    for name in names:
        name = ALIASES.get(name.strip(), name.strip())
        if not name:
            continue
        cls = registry.get(name)
        if cls is None:
            raise ValueError(f"unknown scheduler {kind} {name!r} (known: "
                             f"{', '.join(sorted(registry))})")
        plugins.append(cls(conf, catalog))
    return plugins


def load(conf: Any, catalog: Any) -> Pipeline:
    opts = conf.scheduler
    return Pipeline(_build("prefilter", PREFILTERS, opts.enabled_prefilters, conf, catalog),
                    _build("filter", FILTERS, opts.enabled_filters, conf, catalog),
                    _build("weigher", WEIGHERS, opts.enabled_weighers, conf, catalog))


__all__ = ["ALIASES", "FILTERS", "PREFILTERS", "WEIGHERS", "CycleState", "Pipeline", "load"]
