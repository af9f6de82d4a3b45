"""SQL for the quota limits set per project (``quotas``); a resource
without a row has the configured default."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.volume.models import quotas as q


def limits(conn: sa.Connection, project_id: str) -> dict[str, int]:
    return {r.resource: r.hard_limit for r in conn.execute(
        sa.select(q.c.resource, q.c.hard_limit).where(q.c.project_id == project_id))}


def set_limit(conn: sa.Connection, project_id: str, resource: str, hard_limit: int) -> None:
    mine = (q.c.project_id == project_id, q.c.resource == resource)
    if not conn.execute(sa.update(q).where(*mine)
                        .values(hard_limit=hard_limit, updated_at=utcnow())).rowcount:
        conn.execute(sa.insert(q).values(project_id=project_id, resource=resource,
                                         hard_limit=hard_limit, created_at=utcnow()))


def delete_all(conn: sa.Connection, project_id: str) -> None:
    conn.execute(sa.delete(q).where(q.c.project_id == project_id))
