"""Migration rows of one cell, for the hosts (through the cell conductor):
read one, move its status on (conditionally), find the finished moves
a host's auto-confirm is due to confirm and the moves a host was carrying
out when it stopped."""
from __future__ import annotations

import datetime
from typing import Any

from nubes.cells.repo import migrations as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.conductor.cell.messages import MigrationNotFound, MigrationRecord


def get(db: Database, uuid: str) -> MigrationRecord:
    row = db.read(lambda conn: repo.get(conn, uuid))
    if row is None:
        raise MigrationNotFound(f"migration {uuid} could not be found")
    return MigrationRecord.from_row(row)


def update(db: Database, uuid: str, values: dict[str, Any],
           expected_status: list[str] | None = None) -> MigrationRecord:
    """Raises :class:`MigrationNotFound` when it is gone or not in an
    ``expected_status``."""
    allowed = {k: v for k, v in values.items() if k in repo.COLUMNS
               and k not in ("id", "uuid", "deleted", "created_at")}

    def work(conn) -> MigrationRecord:
        if not repo.set_status(conn, uuid, allowed, utcnow(), expected_status):
            raise MigrationNotFound(f"migration {uuid} is gone or not in {expected_status}")
        return MigrationRecord.from_row(repo.get(conn, uuid))
    return db.write(work)


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


def in_flight_at(db: Database, host: str, limit: int) -> list[MigrationRecord]:
    return [MigrationRecord.from_row(r) for r in db.read(
        lambda conn: repo.in_flight_at(conn, host, limit))]
