"""SQL for block device mappings (cell database ``block_device_mapping``):
one row per disk of a server — its image or local disks, and every volume
with the volume service's ``attachment_id`` (the new attach flow).

Rows are soft-deleted (``deleted`` = the row's id) when a volume is
detached or the server is deleted.  Callers own transactions; rows come
back as plain dicts (``connection_info`` decoded).
"""
from __future__ import annotations

import datetime
import json
import uuid as uuidlib
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import block_device_mapping as bdm

# Plain str names (a column's own name may be a str subclass).
COLUMNS = frozenset(str(c.name) for c in bdm.columns) - {"id", "deleted", "deleted_at",
                                                   "created_at", "updated_at"}


def _row(r: sa.Row) -> dict[str, Any]:
    out = {str(k): v for k, v in r._mapping.items()}
    info = out.get("connection_info")
    out["connection_info"] = json.loads(info) if info else None
    out["delete_on_termination"] = bool(out.get("delete_on_termination"))
    return out


def _values(values: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in values.items() if k in COLUMNS}
    if "connection_info" in row and row["connection_info"] is not None \
            and not isinstance(row["connection_info"], str):
        row["connection_info"] = json.dumps(row["connection_info"])
    return row


def create(conn: sa.Connection, instance_uuid: str, values: dict[str, Any],
           now: datetime.datetime) -> dict[str, Any]:
    """Insert a mapping of the instance; the row written (with its uuid)."""
    row = _values(values)
    row.setdefault("uuid", str(uuidlib.uuid4()))
    row.update(instance_uuid=instance_uuid, created_at=now, deleted=0)
    conn.execute(sa.insert(bdm).values(**row))
    return get(conn, row["uuid"])


def get(conn: sa.Connection, bdm_uuid: str) -> dict[str, Any] | None:
    r = conn.execute(sa.select(bdm).where(bdm.c.uuid == bdm_uuid, bdm.c.deleted == 0)).first()
    return None if r is None else _row(r)


def of_instance(conn: sa.Connection, instance_uuid: str) -> list[dict[str, Any]]:
    """The instance's live mappings, in the order they were made."""
    return [_row(r) for r in conn.execute(
        sa.select(bdm).where(bdm.c.instance_uuid == instance_uuid, bdm.c.deleted == 0)
        .order_by(bdm.c.id))]


def volumes_of(conn: sa.Connection, instance_uuid: str) -> list[dict[str, Any]]:
    """The instance's live volume mappings (those with a volume id)."""
    return [_row(r) for r in conn.execute(
        sa.select(bdm).where(bdm.c.instance_uuid == instance_uuid, bdm.c.deleted == 0,
                             bdm.c.destination_type == "volume",
                             bdm.c.volume_id.is_not(None))
        .order_by(bdm.c.id))]


def of_volume(conn: sa.Connection, instance_uuid: str, volume_id: str
              ) -> dict[str, Any] | None:
    r = conn.execute(sa.select(bdm).where(
        bdm.c.instance_uuid == instance_uuid, bdm.c.volume_id == volume_id,
        bdm.c.deleted == 0).order_by(bdm.c.id)).first()
    return None if r is None else _row(r)


def instances_with_volume(conn: sa.Connection, volume_id: str) -> list[str]:
    """Instances (live mappings) this cell has the volume on."""
    return list(conn.scalars(sa.select(bdm.c.instance_uuid).where(
        bdm.c.volume_id == volume_id, bdm.c.deleted == 0).distinct()))


def update(conn: sa.Connection, bdm_uuid: str, values: dict[str, Any],
           now: datetime.datetime) -> bool:
    """False if the mapping is gone."""
    row = _values(values)
    row.pop("uuid", None)
    row.pop("instance_uuid", None)
    return conn.execute(sa.update(bdm).where(bdm.c.uuid == bdm_uuid, bdm.c.deleted == 0)
                        .values(**row, updated_at=now)).rowcount == 1


def soft_delete(conn: sa.Connection, bdm_uuid: str, now: datetime.datetime) -> bool:
    """False if it was already deleted."""
    return conn.execute(sa.update(bdm).where(bdm.c.uuid == bdm_uuid, bdm.c.deleted == 0)
                        .values(deleted=bdm.c.id, deleted_at=now,
                                updated_at=now)).rowcount == 1


def soft_delete_all(conn: sa.Connection, instance_uuid: str,
                    now: datetime.datetime) -> int:
    return conn.execute(sa.update(bdm).where(bdm.c.instance_uuid == instance_uuid,
                                             bdm.c.deleted == 0)
                        .values(deleted=bdm.c.id, deleted_at=now, updated_at=now)).rowcount


def device_names(rows: Iterable[dict[str, Any]]) -> set[str]:
    return {r["device_name"] for r in rows if r.get("device_name")}
