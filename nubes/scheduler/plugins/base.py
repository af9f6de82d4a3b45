"""Extension points, the per-request scratch store, and the runner.

A scheduling cycle calls plugins at three points, in configured order:

* **prefilter** ``prefilter(ctx, cycle, spec, query)``: before placement
  is asked; adds constraints to the :class:`CandidatesQuery` or raises
  :class:`NoValidHost` when the request cannot be met at all;
* **filter** ``host_passes(cycle, host, spec) -> bool``: drops hosts;
* **weigher** ``weigh(cycle, host, spec) -> float``: a raw value per
  host; the runner normalises each weigher's values to 0..1 over the
  hosts, multiplies by the weigher's multiplier and sums.

Plugins are small classes built once per scheduler from the
configuration (``__init__(conf, catalog)``); per-request state lives in
the :class:`CycleState` handed to every call, never on the plugin.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable, Protocol

from nubes.common.context import RequestContext
from nubes.scheduler.host_state import HostState
from nubes.scheduler.messages import RequestSpec
from nubes.scheduler.placement_query import CandidatesQuery

LOG = logging.getLogger("nubes.scheduler.plugins")


class CycleState:
    """Scratch space of one scheduling request, shared by its plugins
    (e.g. the hosts this request already chose, for server groups)."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value

    def setdefault(self, key: str, default: Any) -> Any:
        return self._data.setdefault(key, default)


class Unconfigured:
    """Base of a plugin that takes nothing from the configuration or the
    host catalog (every plugin is built as ``cls(conf, catalog)``)."""

    def __init__(self, conf: Any, catalog: Any):
        pass


class PreFilter(Protocol):
    name: str

    def prefilter(self, ctx: RequestContext, cycle: CycleState, spec: RequestSpec,
                  query: CandidatesQuery) -> None: ...


class Filter(Protocol):
    name: str

    def host_passes(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool: ...


class Weigher(Protocol):
    name: str
    multiplier: float

    def weigh(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> float: ...


def normalise(values: list[float]) -> list[float]:
    """Scale to 0..1 (min -> 0, max -> 1); all equal -> all 0."""
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [0.0 for _ in values]
    span = high - low
    return [(v - low) / span for v in values]


class Pipeline:
    """The configured plugins, run in order, with their decisions logged."""

    def __init__(self, prefilters: Iterable[PreFilter], filters: Iterable[Filter],
                 weighers: Iterable[Weigher]):
        self.prefilters = list(prefilters)
        self.filters = list(filters)
        self.weighers = list(weighers)

    def prefilter(self, ctx: RequestContext, cycle: CycleState, spec: RequestSpec,
                  query: CandidatesQuery) -> None:
        for plugin in self.prefilters:
            before = query.describe()
            plugin.prefilter(ctx, cycle, spec, query)
            after = query.describe()
            if after != before:
                LOG.debug("prefilter %s: query now %s", plugin.name, after)

    def filter(self, cycle: CycleState, hosts: list[HostState],
               spec: RequestSpec) -> list[HostState]:
        for plugin in self.filters:
            kept, removed = [], []
            for host in hosts:
                (kept if plugin.host_passes(cycle, host, spec) else removed).append(host)
            if removed:
                LOG.debug("filter %s removed %d of %d host(s): %s", plugin.name,
                          len(removed), len(hosts), ", ".join(h.label for h in removed))
            hosts = kept
            if not hosts:
                LOG.debug("filter %s left no host", plugin.name)
                break
        return hosts

    def weigh(self, cycle: CycleState, hosts: list[HostState],
              spec: RequestSpec) -> list[tuple[float, HostState]]:
        """``(weight, host)`` pairs, best first; equal weights keep the
        hosts' order."""
        totals = [0.0] * len(hosts)
        for plugin in self.weighers:
            if not plugin.multiplier or not hosts:
                continue
            raw = [float(plugin.weigh(cycle, h, spec)) for h in hosts]
            norm = normalise(raw)
            for i, value in enumerate(norm):
                totals[i] += plugin.multiplier * value
            if LOG.isEnabledFor(logging.DEBUG):
                LOG.debug("weigher %s (x%g): %s", plugin.name, plugin.multiplier,
                          ", ".join(f"{h.label} raw={r:g} norm={n:.3f}"
                                    for h, r, n in zip(hosts, raw, norm)))
        order = sorted(range(len(hosts)), key=lambda i: -totals[i])
        weighed = [(totals[i], hosts[i]) for i in order]
        if LOG.isEnabledFor(logging.DEBUG) and weighed:
            LOG.debug("weighed hosts: %s",
                      ", ".join(f"{h.label}={w:.3f}" for w, h in weighed))
        return weighed
