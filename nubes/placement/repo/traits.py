"""SQL for traits and provider-trait associations."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow
from nubes.placement.models import traits


def insert_missing(conn: sa.Connection, names: list[str]) -> None:
    existing = set(conn.scalars(sa.select(traits.c.name)))
    now = utcnow()
    insert_ignoring_duplicates(conn, traits, [{"name": n, "created_at": now}
                                              for n in names if n not in existing])
