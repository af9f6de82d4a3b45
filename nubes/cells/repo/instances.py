"""SQL for instances (cell database), as the cell commands need them."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.cell_db.models import instances


def count_live(conn: sa.Connection) -> int:
    return conn.scalar(sa.select(sa.func.count()).select_from(instances)
                       .where(instances.c.deleted == 0))


def get(conn: sa.Connection, uuid: str) -> sa.Row | None:
    """The instance, deleted or not (None once archived)."""
    return conn.execute(sa.select(instances.c.id, instances.c.uuid, instances.c.deleted)
                        .where(instances.c.uuid == uuid)).first()


def batch_after(conn: sa.Connection, last_id: int, limit: int) -> list[sa.Row]:
    """Instances (deleted ones too) with id > ``last_id``, in id order."""
    return list(conn.execute(
        sa.select(instances.c.id, instances.c.uuid, instances.c.project_id,
                  instances.c.user_id, instances.c.deleted)
        .where(instances.c.id > last_id).order_by(instances.c.id).limit(limit)))


def any_after(conn: sa.Connection, last_id: int) -> bool:
    return conn.execute(sa.select(instances.c.id).where(instances.c.id > last_id)
                        .limit(1)).first() is not None
