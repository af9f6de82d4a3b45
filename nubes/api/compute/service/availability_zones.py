"""os-availability-zone: zones as the enabled and disabled services show them.

A zone is *available* when at least one enabled service is in it; the
zones of disabled services that no enabled service shares are listed as
not available.  The plain list leaves out the internal zone (where
conductors and schedulers live); the admin detail includes it and shows,
for each available zone, every host with its enabled services.

A server may be created in an available zone (internal excepted) or in
``[DEFAULT] default_availability_zone``; any other is a 400
(:func:`check_requested`).
"""
from __future__ import annotations

import dataclasses
import datetime

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import services as service_ops
from nubes.api.compute.state import ComputeState
from nubes.common.context import RequestContext


@dataclasses.dataclass(frozen=True)
class ServiceState:
    available: bool     # up
    active: bool        # enabled
    updated_at: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class Zone:
    name: str
    available: bool
    # host -> binary -> state; None for the plain list and unavailable zones
    hosts: dict[str, dict[str, ServiceState]] | None


def list_zones(state: ComputeState, ctx: RequestContext, *, detail: bool) -> list[Zone]:
    listing = service_ops.list_services(state, ctx).services
    enabled = [s for s in listing if not s.record.disabled]
    available = sorted({s.zone for s in enabled})
    unavailable = sorted({s.zone for s in listing if s.record.disabled} - set(available))
    internal = state.conf.internal_service_availability_zone
    zones: list[Zone] = []
    for name in available:
        if not detail:
            if name != internal:
                zones.append(Zone(name, True, None))
            continue
        hosts: dict[str, dict[str, ServiceState]] = {}
        for s in enabled:
            if s.zone == name:
                hosts.setdefault(s.record.host, {})[s.record.binary] = ServiceState(
                    available=s.up, active=True,
                    updated_at=s.updated_at)
        zones.append(Zone(name, True, hosts))
    zones.extend(Zone(name, False, None) for name in unavailable
                 if detail or name != internal)
    return zones


def check_requested(state: ComputeState, ctx: RequestContext, name: str) -> None:
    """400 unless servers may be created in zone ``name``."""
    if name == state.conf.default_availability_zone:
        return
    if not any(z.available and z.name == name
               for z in list_zones(state, ctx, detail=False)):
        raise exc.Invalid("The requested availability zone is not available")
