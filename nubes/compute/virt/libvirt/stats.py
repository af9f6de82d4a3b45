"""A guest's diagnostics (the fields of
:class:`nubes.compute.messages.Diagnostics`) from libvirt's statistics:
state and CPU time (``virDomainGetInfo``), per-vCPU time, block device
counters of every disk, and the balloon's memory figures."""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from typing import Any

from nubes.compute.states import PowerState

STATE_NAMES = {PowerState.RUNNING: "running", PowerState.PAUSED: "paused",
               PowerState.SHUTDOWN: "shutdown", PowerState.CRASHED: "crashed",
               PowerState.SUSPENDED: "suspended"}


def diagnostics(domain: Any, power_state: int, started: float | None,
                hypervisor_os: str) -> dict[str, Any]:
    _state, max_kib, mem_kib, ncpus, cpu_ns = domain.info()
    running = power_state in (PowerState.RUNNING, PowerState.PAUSED)
    cpus = _cpus(domain, ncpus) if running else [{"id": i, "time": 0, "utilisation": None}
                                                  for i in range(ncpus)]
    disks = _disks(domain, running)
    memory = {"maximum": max_kib // 1024, "used": mem_kib // 1024 if running else 0}
    legacy: dict[str, Any] = {f"cpu{c['id']}_time": c["time"] for c in cpus}
    legacy["memory"] = max_kib
    for name, d in disks:
        legacy.update({f"{name}_read": d["read_bytes"], f"{name}_read_req": d["read_requests"],
                       f"{name}_write": d["write_bytes"],
                       f"{name}_write_req": d["write_requests"],
                       f"{name}_errors": d["errors_count"]})
    return {
        "state": STATE_NAMES.get(power_state, "pending"), "driver": "libvirt",
        "hypervisor": domain.connect().getType().lower(), "hypervisor_os": hypervisor_os,
        "uptime": int(time.monotonic() - started) if running and started else 0,
        "config_drive": False, "num_cpus": ncpus, "num_nics": 0, "num_disks": len(disks),
        "cpu_details": cpus, "nic_details": [], "disk_details": [d for _, d in disks],
        "memory_details": memory, "legacy": legacy,
    }


def _cpus(domain: Any, ncpus: int) -> list[dict[str, Any]]:
    try:
        per_cpu = domain.vcpus()[0]
    except Exception:  # noqa: BLE001 - not every state answers it
        return [{"id": i, "time": 0, "utilisation": None} for i in range(ncpus)]
    return [{"id": number, "time": cpu_time, "utilisation": None}
            for number, _state, cpu_time, _real in per_cpu]


def _disks(domain: Any, running: bool) -> list[tuple[str, dict[str, int]]]:
    root = ET.fromstring(domain.XMLDesc(0))
    out = []
    for target in root.findall("./devices/disk/target"):
        name = target.get("dev")
        counters = (0, 0, 0, 0, 0)
        if running:
            try:
                counters = domain.blockStats(name)
            except Exception:  # noqa: BLE001 - a disk being unplugged
                pass
        rd_req, rd_bytes, wr_req, wr_bytes, errs = counters
        out.append((name, {"read_bytes": rd_bytes, "read_requests": rd_req,
                           "write_bytes": wr_bytes, "write_requests": wr_req,
                           "errors_count": max(errs, 0)}))
    return out
