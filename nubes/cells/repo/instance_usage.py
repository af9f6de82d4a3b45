"""SQL for counted quotas: what a project's servers use (instances, cores,
RAM), in one cell database and in the API database's build requests."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import build_requests as br
from nubes.cells.cell_db.models import instances as inst
from nubes.cells.repo.build_requests import decode_instance

SOFT_DELETED = "soft-delete"


def in_cell(conn: sa.Connection, project_id: str) -> dict[str, int]:
    """Live, not soft-deleted, not hidden instances of ``project_id``."""
    row = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(inst.c.vcpus), 0),
        sa.func.coalesce(sa.func.sum(inst.c.memory_mb), 0),
    ).where(inst.c.project_id == project_id, inst.c.deleted == 0,
            sa.or_(inst.c.vm_state.is_(None), inst.c.vm_state != SOFT_DELETED),
            sa.or_(inst.c.hidden.is_(None), inst.c.hidden == sa.false()))).one()
    # int(): MySQL answers SUM() as Decimal.
    return {"instances": int(row[0]), "cores": int(row[1]), "ram": int(row[2])}


def in_build_requests(conn: sa.Connection, project_id: str) -> dict[str, int]:
    """Servers accepted but not in a cell yet (their flavor's vcpus and
    memory are in the serialized instance)."""
    used = {"instances": 0, "cores": 0, "ram": 0}
    for (text,) in conn.execute(sa.select(br.c.instance).where(br.c.project_id == project_id)):
        values = decode_instance(text)
        used["instances"] += 1
        used["cores"] += int(values.get("vcpus") or 0)
        used["ram"] += int(values.get("memory_mb") or 0)
    return used
