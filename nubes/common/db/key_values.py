"""Key/value child rows (an aggregate's metadata, an image's properties):
set some keys of one owner, removing those set to None."""
from __future__ import annotations

import datetime

import sqlalchemy as sa


def set_keys(conn: sa.Connection, owner: sa.Column, owner_id: object, key: sa.Column,
             changes: dict[str, str | None], now: datetime.datetime) -> None:
    """In ``owner``'s table (which has ``value``, ``created_at`` and
    ``updated_at`` columns), give each key of ``changes`` its value for
    ``owner_id``; a None value removes the key."""
    table = owner.table
    for name, value in sorted(changes.items()):
        mine = (owner == owner_id, key == name)
        if value is None:
            conn.execute(sa.delete(table).where(*mine))
            continue
        updated = conn.execute(sa.update(table).where(*mine)
                               .values(value=value, updated_at=now)).rowcount
        if not updated:
            conn.execute(sa.insert(table).values({owner.name: owner_id, key.name: name,
                                                  "value": value, "created_at": now}))
