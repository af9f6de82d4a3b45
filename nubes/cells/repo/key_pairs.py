"""SQL for key pairs (API database); unique per (user, name)."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import key_pairs as kp
from nubes.cells.records import KeyPairRecord
from nubes.common.timeutils import utcnow


def _record(row) -> KeyPairRecord:
    return KeyPairRecord(id=row.id, name=row.name, user_id=row.user_id,
                         fingerprint=row.fingerprint, public_key=row.public_key,
                         type=row.type, created_at=row.created_at, updated_at=row.updated_at)


def list_for_user(conn: sa.Connection, user_id: str) -> list[KeyPairRecord]:
    return [_record(r) for r in conn.execute(sa.select(kp).where(kp.c.user_id == user_id))]


def get(conn: sa.Connection, user_id: str, name: str) -> KeyPairRecord | None:
    row = conn.execute(sa.select(kp).where(kp.c.user_id == user_id, kp.c.name == name)).first()
    return None if row is None else _record(row)


def count(conn: sa.Connection, user_id: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(kp)
                        .where(kp.c.user_id == user_id)).scalar_one()


def create(conn: sa.Connection, *, user_id: str, name: str, fingerprint: str,
           public_key: str, key_type: str) -> None:
    conn.execute(sa.insert(kp).values(user_id=user_id, name=name, fingerprint=fingerprint,
                                      public_key=public_key, type=key_type,
                                      created_at=utcnow()))


def delete(conn: sa.Connection, user_id: str, name: str) -> int:
    return conn.execute(sa.delete(kp).where(kp.c.user_id == user_id,
                                            kp.c.name == name)).rowcount
