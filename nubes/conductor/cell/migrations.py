"""Migration rows of one cell, for the hosts (through the cell conductor):
read one, move its status on (conditionally), find the finished moves
a host's auto-confirm is due to confirm and the moves a host was carrying
out when it stopped."""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from nubes.cells.repo import migrations as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.conductor.cell import instances
from nubes.conductor.cell.messages import MigrationNotFound, MigrationRecord


def get(db: Database, uuid: str) -> MigrationRecord:
    row = db.read(lambda conn: repo.get(conn, uuid))
    if row is None:
        raise MigrationNotFound(f"migration {uuid} could not be found")
    return MigrationRecord.from_row(row)


def update(db: Database, uuid: str, values: dict[str, Any],
           expected_status: list[str] | None = None, *,
           instance: dict[str, Any] | None = None) -> MigrationRecord:
    """Raises :class:`MigrationNotFound` when it is gone or not in an
    ``expected_status`` (nothing changed).  ``instance`` ({"values",
    "expected_vm_state"}) updates the migration's instance in the same
    transaction — the last step of a move, so no crash can leave one of
    the two done — and, when the instance is gone or not in an expected
    vm_state, its error is raised after the migration's change is
    committed (the move is over either way)."""
    allowed = {k: v for k, v in values.items() if k in repo.COLUMNS
               and k not in ("id", "uuid", "deleted", "created_at")}

    def work(conn) -> tuple[MigrationRecord, Exception | None]:
        now = utcnow()
        if not repo.set_status(conn, uuid, allowed, now, expected_status):
            raise MigrationNotFound(f"migration {uuid} is gone or not in {expected_status}")
        record = MigrationRecord.from_row(repo.get(conn, uuid))
        failed = None
        if instance is not None:
            result = instances.update_in(
                conn, record.instance_uuid, instance["values"], now,
                expected_vm_state=instance.get("expected_vm_state"))
            failed = result if isinstance(result, Exception) else None
        return record, failed
    record, failed = db.write(work)
    if failed is not None:
        raise failed
    return record


def unconfirmed(db: Database, dest_compute: str, older_than: float,
                limit: int) -> list[MigrationRecord]:
    before = utcnow() - datetime.timedelta(seconds=older_than)
    return [MigrationRecord.from_row(r) for r in db.read(
        lambda conn: repo.unconfirmed_before(conn, dest_compute, before, limit))]


def evacuated_from(db: Database, source_compute: str, limit: int) -> list[MigrationRecord]:
    return [MigrationRecord.from_row(r) for r in db.read(
        lambda conn: repo.evacuated_from(conn, source_compute, limit))]


def cold_in_progress_from(db: Database, instance_uuid: str,
                          source_compute: str) -> MigrationRecord | None:
    row = db.read(lambda conn: repo.cold_in_progress_from(conn, instance_uuid,
                                                          source_compute))
    return None if row is None else MigrationRecord.from_row(row)


def in_flight_at(db: Database, host: str, limit: int, after_id: int = 0) -> list[dict]:
    """A page of the moves in flight at ``host``: their records, with
    ``id`` (the page's cursor)."""
    return [dict(dataclasses.asdict(MigrationRecord.from_row(r)), id=r["id"])
            for r in db.read(lambda conn: repo.in_flight_at(conn, host, limit, after_id))]
