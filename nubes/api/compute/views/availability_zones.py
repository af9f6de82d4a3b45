"""os-availability-zone bodies."""
from __future__ import annotations

from nubes.api.compute.service.availability_zones import Zone
from nubes.api.compute.views.timestamps import iso


def _zone(zone: Zone) -> dict:
    hosts = None
    if zone.hosts is not None:
        hosts = {host: {binary: {"available": st.available, "active": st.active,
                                 "updated_at": iso(st.updated_at)}
                        for binary, st in sorted(services.items())}
                 for host, services in sorted(zone.hosts.items())}
    return {"zoneName": zone.name, "zoneState": {"available": zone.available}, "hosts": hosts}


def zones(found: list[Zone]) -> dict:
    return {"availabilityZoneInfo": [_zone(z) for z in found]}
