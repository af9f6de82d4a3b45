"""Prefilters: policy -> placement query constraints, before candidates
are fetched (nova's request filters)."""
from __future__ import annotations

import logging
from typing import Any

import os_traits

from nubes.common.context import RequestContext
from nubes.scheduler.messages import NoValidHost, RequestSpec
from nubes.scheduler.placement_query import CandidatesQuery
from nubes.scheduler.plugins.base import CycleState, Unconfigured

LOG = logging.getLogger("nubes.scheduler.plugins")


class AvailabilityZonePrefilter:
    """A requested zone -> ``member_of`` the host aggregates that name it
    (placement aggregates share the host aggregates' uuids).

    Hosts in no zoned aggregate are in ``[DEFAULT]
    default_availability_zone``, which no aggregate lists: asking for the
    default zone adds no constraint here (the ``availability_zone``
    filter checks each host).  Any other zone that no aggregate names has
    no hosts at all."""

    name = "availability_zone"

    def __init__(self, conf: Any, catalog: Any):
        self.default_zone = conf.default_availability_zone
        self.catalog = catalog

    def prefilter(self, ctx: RequestContext, cycle: CycleState, spec: RequestSpec,
                  query: CandidatesQuery) -> None:
        zone = spec.availability_zone
        if not zone or zone == self.default_zone:
            return
        uuids = [a.uuid for a in self.catalog.aggregates(ctx)
                 if a.availability_zone == zone]
        if not uuids:
            raise NoValidHost(f"Availability zone {zone!r} has no hosts.")
        query.require_member_of(uuids)


class DisabledComputePrefilter(Unconfigured):
    """Forbid the root trait ``COMPUTE_STATUS_DISABLED`` that compute
    hosts carry while their service is disabled."""

    name = "disabled_compute"

    def prefilter(self, ctx: RequestContext, cycle: CycleState, spec: RequestSpec,
                  query: CandidatesQuery) -> None:
        query.forbid_root_trait(os_traits.COMPUTE_STATUS_DISABLED)
