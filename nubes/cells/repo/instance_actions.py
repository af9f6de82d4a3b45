"""SQL for reading a server's instance actions and their events (cell
database); the writers are in ``instance_writes``."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.cell_db.models import instance_actions as acts
from nubes.cells.cell_db.models import instance_actions_events as evs


def list_for(conn: sa.Connection, instance_uuid: str) -> list[dict]:
    """Newest first."""
    rows = conn.execute(sa.select(acts).where(acts.c.instance_uuid == instance_uuid)
                        .order_by(acts.c.created_at.desc(), acts.c.id.desc()))
    return [dict(r._mapping) for r in rows]


def get(conn: sa.Connection, instance_uuid: str, request_id: str) -> dict | None:
    row = conn.execute(sa.select(acts).where(acts.c.instance_uuid == instance_uuid,
                                             acts.c.request_id == request_id)
                       .order_by(acts.c.id.desc())).first()
    if row is None:
        return None
    action = dict(row._mapping)
    action["events"] = [dict(e._mapping) for e in conn.execute(
        sa.select(evs).where(evs.c.action_id == row.id).order_by(evs.c.id))]
    return action
