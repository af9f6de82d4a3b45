"""os-hypervisors bodies."""
from __future__ import annotations

import json

from nubes.api.compute.service.hypervisor_usage import Usage
from nubes.api.compute.service.hypervisors import Hypervisor

_USAGE_FIELDS = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                 "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                 "running_vms", "disk_available_least")


def _id(version, hv: Hypervisor):
    return hv.node.uuid if version >= (2, 53) else hv.node.id


def _servers(version, hv: Hypervisor, view: dict) -> None:
    if hv.servers is None:
        return
    # Before 2.75 a hypervisor without servers has no "servers" key at all.
    if hv.servers or version >= (2, 75):
        view["servers"] = [{"name": s.name, "uuid": s.uuid} for s in hv.servers]


def summary(version, hv: Hypervisor) -> dict:
    view = {"id": _id(version, hv), "hypervisor_hostname": hv.node.hypervisor_hostname,
            "state": "up" if hv.up else "down",
            "status": "disabled" if hv.service.disabled else "enabled"}
    _servers(version, hv, view)
    return view


def _cpu_info(version, text: str | None):
    if version < (2, 28):
        return text or ""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def detail(version, hv: Hypervisor, usage: Usage | None, *, uptime: bool = False) -> dict:
    """The full view; ``usage`` is needed before 2.88 (capacity fields)."""
    node = hv.node
    view = summary(version, hv)
    view.update({
        "host_ip": node.host_ip,
        "hypervisor_type": node.hypervisor_type,
        "hypervisor_version": node.hypervisor_version,
        "service": {"host": hv.service.host,
                    "id": hv.service.uuid if version >= (2, 53) else hv.service.id,
                    "disabled_reason": hv.service.disabled_reason},
    })
    if version < (2, 88):
        view["cpu_info"] = _cpu_info(version, node.cpu_info)
        view.update({name: getattr(usage, name) for name in _USAGE_FIELDS})
    elif uptime:
        # The compute agent's host uptime needs a call to the agent, which
        # this API does not make yet.
        view["uptime"] = None
    return view


def links(base: str, limit: int, marker) -> list[dict]:
    return [{"rel": "next", "href": f"{base}?limit={limit}&marker={marker}"}]
