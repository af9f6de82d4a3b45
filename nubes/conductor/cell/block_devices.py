"""Block device mappings of one cell, for the hosts (through the cell
conductor): read an instance's volumes, record a volume's connection
(``connection_info``, or the volume and attachment a host created at
boot), and drop a mapping once its volume is detached.  Each call is one
short transaction; mappings travel as plain dicts (the row's columns,
without timestamps)."""
from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa

from nubes.cells.repo import block_device_mappings as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow

# What a host may change of a mapping.
WRITABLE = frozenset({"volume_id", "attachment_id", "connection_info", "device_name",
                      "volume_size"})


def _wire(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k in repo.COLUMNS}


def of_instance(db: Database, instance_uuid: str) -> list[dict[str, Any]]:
    return [_wire(r) for r in db.read(lambda conn: repo.of_instance(conn, instance_uuid))]


def get(db: Database, bdm_uuid: str) -> dict[str, Any] | None:
    row = db.read(lambda conn: repo.get(conn, bdm_uuid))
    return None if row is None else _wire(row)


# What else dropping a mapping may do in its transaction once the mapping
# matched (e.g. finish the host's instance action event).
Then = Callable[[sa.Connection], object] | None


def update(db: Database, bdm_uuid: str, values: dict[str, Any]) -> bool:
    """False when the mapping is gone (the volume was detached meanwhile)."""
    allowed = {k: v for k, v in values.items() if k in WRITABLE}
    return db.write(lambda conn: repo.update(conn, bdm_uuid, allowed, utcnow()))


def destroy(db: Database, bdm_uuid: str, then: Then = None) -> bool:
    """False when the mapping was gone already (``then`` is not run)."""
    def work(conn: sa.Connection) -> bool:
        matched = repo.soft_delete(conn, bdm_uuid, utcnow())
        if matched and then is not None:
            then(conn)
        return matched
    return db.write(work)


def destroy_all(db: Database, instance_uuid: str) -> int:
    return db.write(lambda conn: repo.soft_delete_all(conn, instance_uuid, utcnow()))
