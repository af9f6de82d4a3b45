"""SQL for compute nodes (cell database), as the compute API's
os-hypervisors and service deletion need them.

(Host discovery's queries stay in ``compute_nodes.py``.)
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from nubes.cells.cell_db.models import compute_nodes as cn
from nubes.common.timeutils import utcnow


@dataclasses.dataclass(frozen=True)
class NodeRecord:
    id: int
    uuid: str
    service_id: int | None
    host: str | None
    hypervisor_hostname: str | None
    hypervisor_type: str | None
    hypervisor_version: int | None
    host_ip: str | None
    vcpus: int
    memory_mb: int
    local_gb: int
    vcpus_used: int
    memory_mb_used: int
    local_gb_used: int
    free_ram_mb: int | None
    free_disk_gb: int | None
    disk_available_least: int | None
    current_workload: int | None
    running_vms: int | None
    cpu_info: str | None


_FIELDS = [f.name for f in dataclasses.fields(NodeRecord)]
_COLUMNS = [cn.c[name] for name in _FIELDS]


def _record(row) -> NodeRecord:
    return NodeRecord(**{name: getattr(row, name) for name in _FIELDS})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_live(conn: sa.Connection, *, hostname_contains: str | None = None,
              host: str | None = None) -> list[NodeRecord]:
    """Live nodes in id order; ``hostname_contains`` matches a substring of
    the hypervisor hostname literally (no wildcards)."""
    query = sa.select(*_COLUMNS).where(cn.c.deleted == 0).order_by(cn.c.id)
    if hostname_contains is not None:
        query = query.where(cn.c.hypervisor_hostname.like(
            f"%{_escape_like(hostname_contains)}%", escape="\\"))
    if host is not None:
        query = query.where(cn.c.host == host)
    return [_record(r) for r in conn.execute(query)]


def get_live(conn: sa.Connection, *, node_id: int | None = None,
             uuid: str | None = None) -> NodeRecord | None:
    query = sa.select(*_COLUMNS).where(cn.c.deleted == 0)
    if node_id is not None:
        query = query.where(cn.c.id == node_id)
    if uuid is not None:
        query = query.where(cn.c.uuid == uuid)
    row = conn.execute(query).first()
    return None if row is None else _record(row)


def soft_delete_on_host(conn: sa.Connection, host: str) -> int:
    return conn.execute(sa.update(cn).where(cn.c.host == host, cn.c.deleted == 0)
                        .values(deleted=cn.c.id, deleted_at=utcnow())).rowcount
