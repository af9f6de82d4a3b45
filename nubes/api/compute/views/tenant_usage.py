"""os-simple-tenant-usage bodies (timestamps as OpenStack compute writes them)."""
from __future__ import annotations

from nubes.api.compute.service.tenant_usage import ServerUsage, TenantUsage
from nubes.api.compute.views.timestamps import iso


def server(s: ServerUsage) -> dict:
    return {"instance_id": s.instance_id, "name": s.name, "tenant_id": s.tenant_id,
            "flavor": s.flavor, "hours": s.hours, "memory_mb": s.memory_mb,
            "local_gb": s.local_gb, "vcpus": s.vcpus, "started_at": iso(s.started_at),
            "ended_at": iso(s.ended_at), "state": s.state, "uptime": s.uptime}


def tenant(t: TenantUsage, *, detailed: bool) -> dict:
    body = {"tenant_id": t.tenant_id, "total_local_gb_usage": t.total_local_gb_usage,
            "total_vcpus_usage": t.total_vcpus_usage,
            "total_memory_mb_usage": t.total_memory_mb_usage,
            "total_hours": t.total_hours, "start": iso(t.start), "stop": iso(t.stop)}
    if detailed:
        body["server_usages"] = [server(s) for s in t.server_usages]
    return body

