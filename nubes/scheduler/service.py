"""One scheduling cycle: prefilter -> candidates -> filter -> weigh -> claim.

For a request of N instances (a multi-create):

1. the flavor and image become a placement query
   (:mod:`placement_query`); prefilters add constraints (zone ->
   ``member_of``, no disabled computes); placement answers with
   allocation candidates, the host states are built from them;
2. per instance, in order: the hosts that are not ignored, still fit
   (as far as this cycle's own claims go) and pass every filter are
   weighed, and the best is **claimed**: ``PUT /allocations/{instance}``
   with ``consumer_generation: null``, consumer type ``INSTANCE``.
   Placement checks capacity inside its transaction, so two schedulers
   racing for the last room cannot both win: the loser gets a capacity
   409 and tries its next host.  A provider generation race is retried a
   few times on the same host; a consumer generation conflict (the
   instance already has allocations) fails the request;
3. if any instance finds no host, every claim this request made is
   deleted and :class:`NoValidHost` is raised: all or nothing;
4. each instance gets its claimed selection plus up to ``max_attempts -
   1`` unclaimed alternates, from the same cell as its host (a
   reschedule stays inside the cell), never a node chosen by this request.

Nothing here needs to be the only scheduler: state lives in placement
and the databases; this object keeps only caches.
"""
from __future__ import annotations

import json
import logging
import random
import time
from typing import Any, Callable

from nubes.common.context import RequestContext
from nubes.placement.client import (AllocationCandidates, ClaimResult, PlacementClient,
                                    PlacementError, PlacementUnavailable)
from nubes.scheduler import placement_query, plugins
from nubes.scheduler.host_state import HostCatalog, HostState
from nubes.scheduler.messages import (CONSUMER_TYPE_INSTANCE, AllocationConflict,
                                      NoValidHost, PlacementUnreachable, RequestSpec,
                                      Selection)
from nubes.scheduler.plugins.base import CycleState, Pipeline
from nubes.scheduler.plugins.filters import group_hosts

LOG = logging.getLogger(__name__)
RELEASE_RETRY_SECONDS = 15.0   # how long a release waits for placement to answer

# CycleState key: uuids of nodes placement refused a claim on (capacity).
_FULL_NODES = "full_nodes"
# CycleState key: the hosts of the last ranking, best first.
_LAST_RANKING = "last_ranking"


class SchedulerService:
    def __init__(self, conf: Any, catalog: HostCatalog, placement: PlacementClient, *,
                 pipeline: Pipeline | None = None, rng: random.Random | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.conf = conf
        self.catalog = catalog
        self.placement = placement
        self.pipeline = pipeline or plugins.load(conf, catalog)
        self.rng = rng or random.Random()
        self.sleep = sleep

    # --- the cycle ------------------------------------------------------------------

    def select_destinations(self, ctx: RequestContext, spec: RequestSpec,
                            instance_uuids: list[str], *,
                            return_alternates: bool = True) -> list[list[Selection]]:
        if not instance_uuids:
            raise ValueError("select_destinations needs the instances' uuids (the "
                             "placement consumers to claim for)")
        opts = self.conf.scheduler
        request_id = ctx.global_request_id or ctx.request_id
        cycle = CycleState()
        candidates = self._candidates(ctx, cycle, spec, request_id)
        hosts = self.catalog.host_states(ctx, candidates, spec)
        LOG.debug("%d allocation request(s) on %d usable host(s) for %d instance(s)",
                  len(candidates.allocation_requests), len(hosts), len(instance_uuids))

        claimed: list[tuple[str, HostState, dict]] = []
        releasing: list[str] = []
        try:
            for instance_uuid in instance_uuids:
                releasing = [instance_uuid]   # a claim without answer may have landed
                chosen = self._place(ctx, cycle, spec, instance_uuid, hosts, request_id)
                if chosen is None:
                    raise NoValidHost(
                        "There are not enough hosts available." if claimed or
                        len(instance_uuids) == 1 else
                        f"There are not enough hosts available for "
                        f"{len(instance_uuids)} instances.")
                claimed.append((instance_uuid, *chosen))
        except BaseException as exc:
            unanswered = releasing if isinstance(exc, PlacementUnreachable) else []
            self._release([u for u, _, _ in claimed] + unanswered, request_id)
            raise

        alternates: dict[str, list[HostState]] = {}
        if return_alternates and opts.max_attempts > 1:
            alternates = self._alternates(cycle, spec, hosts, claimed, opts.max_attempts - 1)
        result = []
        for instance_uuid, host, request in claimed:
            selections = [self._selection(host, request, candidates.version, instance_uuid)]
            for alt in alternates.get(instance_uuid, []):
                alt_request = alt.fitting_request()
                if alt_request is not None:
                    selections.append(self._selection(alt, alt_request, candidates.version))
            result.append(selections)
        LOG.info("scheduled %s", ", ".join(
            f"{u} -> {h.label} (+{len(sel) - 1} alternate(s))"
            for (u, h, _), sel in zip(claimed, result)))
        return result

    def _candidates(self, ctx: RequestContext, cycle: CycleState, spec: RequestSpec,
                    request_id: str) -> AllocationCandidates:
        limit = (None if placement_query.needs_all_candidates(spec)
                 else self.conf.scheduler.max_placement_results)
        try:
            query = placement_query.from_request_spec(spec, limit=limit)
        except placement_query.InvalidRequest as exc:
            raise NoValidHost(str(exc)) from None
        self.pipeline.prefilter(ctx, cycle, spec, query)
        LOG.debug("allocation candidates query: %s", query.describe())
        try:
            candidates = self.placement.allocation_candidates(
                query.params(), version=placement_query.VERSION, request_id=request_id)
        except PlacementUnavailable as exc:
            LOG.error("placement did not answer the candidates query: %s", exc)
            raise PlacementUnreachable(f"Placement is unreachable: {exc}") from None
        except PlacementError as exc:
            LOG.warning("placement refused the candidates query %s: %s",
                        query.describe(), exc)
            raise NoValidHost(f"Placement refused the request: {exc}") from None
        if not candidates.allocation_requests:
            raise NoValidHost("Got no allocation candidates from the Placement API. This "
                              "could be due to insufficient resources or a temporary "
                              "occurrence as compute nodes start up.")
        return candidates

    # --- one instance ---------------------------------------------------------------

    def _eligible(self, cycle: CycleState, host: HostState, spec: RequestSpec) -> bool:
        """Checks no configuration turns off: ignored and refused hosts,
        a requested host or node, room left after this cycle's claims."""
        if host.uuid in cycle.get(_FULL_NODES, ()):
            return False
        if host.host in spec.ignore_hosts:
            return False
        destination = spec.requested_destination
        if destination is not None:
            if destination.host and host.host != destination.host:
                return False
            if destination.node and host.nodename != destination.node:
                return False
        return host.fitting_request() is not None

    def _ranked(self, cycle: CycleState, spec: RequestSpec,
                hosts: list[HostState]) -> tuple[list[HostState], list[float]]:
        eligible = [h for h in hosts if self._eligible(cycle, h, spec)]
        removed = len(hosts) - len(eligible)
        if removed:
            LOG.debug("%d host(s) ignored, full, or not the requested destination", removed)
        weighed = self.pipeline.weigh(cycle, self.pipeline.filter(cycle, eligible, spec), spec)
        return [h for _, h in weighed], [w for w, _ in weighed]

    def _order(self, ranked: list[HostState], weights: list[float]) -> list[HostState]:
        """Best first; ``shuffle_best_same_weighed_hosts`` and
        ``host_subset_size`` pick the first among the best at random."""
        opts = self.conf.scheduler
        ranked = list(ranked)
        if not ranked:
            return ranked
        if opts.shuffle_best_same_weighed_hosts:
            ties = sum(1 for w in weights if w == weights[0])
            best = ranked[:ties]
            self.rng.shuffle(best)
            ranked[:ties] = best
        subset = min(opts.host_subset_size, len(ranked))
        if subset > 1:
            pick = self.rng.randrange(subset)
            ranked.insert(0, ranked.pop(pick))
        return ranked

    def _place(self, ctx: RequestContext, cycle: CycleState, spec: RequestSpec,
               instance_uuid: str, hosts: list[HostState],
               request_id: str) -> tuple[HostState, dict] | None:
        ranked, weights = self._ranked(cycle, spec, hosts)
        cycle.set(_LAST_RANKING, ranked)
        for host in self._order(ranked, weights):
            request = host.fitting_request()
            if request is None:  # an earlier instance of this request took the room
                continue
            result = self._claim(spec, instance_uuid, host, request, request_id)
            if result.claimed:
                host.usage.consume(request)
                group_hosts(cycle, spec).append(host.host)
                return host, request
            if result.outcome == ClaimResult.CONSUMER_GENERATION:
                raise AllocationConflict(
                    f"instance {instance_uuid} already has allocations in placement: "
                    f"{result.detail}")
            LOG.debug("claim for %s on %s refused (%s): %s; trying the next host",
                      instance_uuid, host.label, result.outcome, result.detail)
            cycle.setdefault(_FULL_NODES, set()).add(host.uuid)
        return None

    def _claim(self, spec: RequestSpec, instance_uuid: str, host: HostState,
               request: dict, request_id: str) -> ClaimResult:
        retries = self.conf.scheduler.claim_retries
        attempt = 0
        while True:
            try:
                result = self.placement.claim(
                    instance_uuid, request["allocations"], spec.project_id, spec.user_id,
                    None, CONSUMER_TYPE_INSTANCE, mappings=request.get("mappings") or None,
                    request_id=request_id)
            except PlacementUnavailable as exc:
                # The claim may or may not have landed: the caller releases it.
                raise PlacementUnreachable(
                    f"Placement is unreachable while claiming for {instance_uuid}: "
                    f"{exc}") from None
            except PlacementError as exc:
                LOG.warning("claim for %s on %s failed: %s", instance_uuid, host.label, exc)
                return ClaimResult(ClaimResult.CAPACITY, str(exc))
            if result.outcome != ClaimResult.PROVIDER_GENERATION or attempt >= retries:
                if result.claimed:
                    LOG.debug("claimed %s on %s", instance_uuid, host.label)
                return result
            attempt += 1
            LOG.debug("provider generation race claiming %s on %s; retry %d/%d",
                      instance_uuid, host.label, attempt, retries)
            self.sleep(self.rng.uniform(0, 0.05 * attempt))

    def _release(self, instance_uuids: list[str], request_id: str) -> None:
        """Unreserve: delete the allocations of ``instance_uuids``
        (idempotent: an instance with none is fine)."""
        deadline = time.monotonic() + RELEASE_RETRY_SECONDS
        for instance_uuid in instance_uuids:
            try:
                while True:   # placement restarting: a few seconds more
                    try:
                        self.placement.delete_allocations(instance_uuid,
                                                          request_id=request_id)
                        break
                    except PlacementUnavailable:
                        if time.monotonic() > deadline:
                            raise
                        self.sleep(0.5)
                LOG.debug("released the claim of %s", instance_uuid)
            except PlacementError as exc:
                LOG.error("could not release the claim of %s (its allocations stay "
                          "until the instance is deleted): %s", instance_uuid, exc)

    # --- alternates -------------------------------------------------------------------

    def _alternates(self, cycle: CycleState, spec: RequestSpec, hosts: list[HostState],
                    claimed: list[tuple[str, HostState, dict]],
                    count: int) -> dict[str, list[HostState]]:
        """Per instance, the best remaining hosts of its host's cell, after
        this request's claims (so server group filters see them)."""
        chosen = {h.uuid for _, h, _ in claimed}
        if spec.server_group is None:
            # Claims change only the claimed hosts' weights (and whether a
            # host still fits, which the caller checks per alternate): the
            # last ranking stands.
            ranked = [h for h in cycle.get(_LAST_RANKING, ())
                      if h.uuid not in chosen and self._eligible(cycle, h, spec)]
        else:   # group filters see this request's claims
            ranked, _ = self._ranked(cycle, spec,
                                     [h for h in hosts if h.uuid not in chosen])
        out: dict[str, list[HostState]] = {}
        for instance_uuid, host, _ in claimed:
            same_cell = [h for h in ranked if h.cell_uuid == host.cell_uuid]
            out[instance_uuid] = same_cell[:count]
            if len(out[instance_uuid]) < count:
                LOG.debug("%s: %d alternate(s) of %d wanted in cell %s", instance_uuid,
                          len(out[instance_uuid]), count, host.cell_uuid)
        return out

    @staticmethod
    def _selection(host: HostState, request: dict, version: str,
                   consumer_uuid: str | None = None) -> Selection:
        return Selection(service_host=host.host, nodename=host.nodename,
                         cell_uuid=host.cell_uuid, compute_node_uuid=host.uuid,
                         allocation_request=json.dumps(request, sort_keys=True),
                         allocation_request_version=version,
                         consumer_uuid=consumer_uuid, claimed=consumer_uuid is not None,
                         availability_zone=host.availability_zone)
