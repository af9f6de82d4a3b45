"""os-services bodies."""
from __future__ import annotations

from nubes.api.compute.service.services import ServiceStatus
from nubes.api.compute.views.timestamps import iso


def service(version, s: ServiceStatus) -> dict:
    r = s.record
    view = {
        "id": r.uuid if version >= (2, 53) else r.id,
        "binary": r.binary,
        "host": r.host,
        "zone": s.zone,
        "status": "disabled" if r.disabled else "enabled",
        "state": "up" if s.up else "down",
        "updated_at": iso(s.updated_at),
        "disabled_reason": r.disabled_reason,
    }
    if version >= (2, 11):
        view["forced_down"] = r.forced_down
    return view


def unknown(host: str) -> dict:
    """A compute service in a cell that did not answer (2.69+)."""
    return {"binary": "nova-compute", "host": host, "status": "UNKNOWN"}


def services(version, found: list[ServiceStatus], unreachable_hosts: list[str]) -> dict:
    listed = [service(version, s) for s in found]
    if version >= (2, 69):
        listed += [unknown(h) for h in unreachable_hosts]
    return {"services": listed}


def legacy_action(s: ServiceStatus, *fields: str) -> dict:
    """The short answer of the pre-2.53 actions: host, binary and what changed."""
    r = s.record
    view = {"host": r.host, "binary": r.binary}
    for name in fields:
        if name == "status":
            view["status"] = "disabled" if r.disabled else "enabled"
        else:
            view[name] = getattr(r, name)
    return {"service": view}
