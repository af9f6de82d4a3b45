"""SQL for the ``migrations`` table (cell database): the records of moves
(cold migration, resize, live migration, evacuation) that os-migrations
lists and a server's migrations show.

Records are plain dicts of the migration columns.  Live rows only
(``deleted = 0``); ``hidden`` rows (the source cell's copy of a cross-cell
move) are never listed.  Every function takes an open ``Connection``;
callers own transactions.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib
from typing import Any, Sequence

import sqlalchemy as sa

from nubes.cells import sort_order as ordering
from nubes.cells.cell_db.models import migrations as mig

COLUMNS = {c.name: c for c in mig.c}
# A live migration in one of these states is "in progress" (a server's
# migrations API shows only those).
IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")
LIVE_MIGRATION = "live-migration"


@dataclasses.dataclass
class MigrationFilters:
    """What os-migrations filters by (None: no filter)."""
    host: str | None = None              # source or destination compute
    status: str | None = None
    source_compute: str | None = None
    instance_uuid: str | None = None
    migration_type: str | None = None
    changes_since: datetime.datetime | None = None    # updated_at >=
    changes_before: datetime.datetime | None = None   # updated_at <=
    user_id: str | None = None
    project_id: str | None = None


def is_in_progress_live(record: dict) -> bool:
    return record["migration_type"] == LIVE_MIGRATION and record["status"] in IN_PROGRESS


def _record(row) -> dict:
    return dict(row._mapping)


def _where(filters: MigrationFilters) -> list[sa.ColumnElement]:
    where = [mig.c.deleted == 0, mig.c.hidden == sa.false()]
    if filters.host is not None:
        where.append(sa.or_(mig.c.source_compute == filters.host,
                            mig.c.dest_compute == filters.host))
    for name in ("status", "source_compute", "instance_uuid", "migration_type", "user_id",
                 "project_id"):
        value = getattr(filters, name)
        if value is not None:
            where.append(COLUMNS[name] == value)
    # changes-since/before read updated_at, or created_at for a row never updated.
    changed = sa.func.coalesce(mig.c.updated_at, mig.c.created_at)
    if filters.changes_since is not None:
        where.append(changed >= filters.changes_since)
    if filters.changes_before is not None:
        where.append(changed <= filters.changes_before)
    return where


def page(conn: sa.Connection, filters: MigrationFilters, order: ordering.SortOrder,
         after: Sequence | None, limit: int) -> list[dict]:
    """Up to ``limit`` visible migrations sorted by ``order``, strictly after
    the sort values ``after`` (None: from the start)."""
    dialect = conn.dialect.name
    query = sa.select(mig).where(*_where(filters))
    if after is not None:
        query = query.where(ordering.after_condition(COLUMNS, order, after, dialect))
    query = query.order_by(*ordering.order_by(COLUMNS, order, dialect)).limit(limit)
    return [_record(r) for r in conn.execute(query)]


def get_by_uuid(conn: sa.Connection, uuid: str) -> dict | None:
    """A visible migration by its uuid (a paging marker)."""
    row = conn.execute(sa.select(mig).where(
        mig.c.uuid == uuid, mig.c.deleted == 0, mig.c.hidden == sa.false())).first()
    return None if row is None else _record(row)


def in_progress_live(conn: sa.Connection, instance_uuid: str,
                     migration_id: int | None = None) -> list[dict]:
    """The instance's live migrations still under way, by id."""
    query = sa.select(mig).where(
        mig.c.instance_uuid == instance_uuid, mig.c.deleted == 0,
        mig.c.migration_type == LIVE_MIGRATION, mig.c.status.in_(IN_PROGRESS))
    if migration_id is not None:
        query = query.where(mig.c.id == migration_id)
    return [_record(r) for r in conn.execute(query.order_by(mig.c.id))]


def create(conn: sa.Connection, values: dict[str, Any], now: datetime.datetime) -> dict:
    """Insert a migration (a uuid is made unless given); the new record."""
    values = dict(values)
    values.setdefault("uuid", str(uuidlib.uuid4()))
    values.setdefault("created_at", now)
    conn.execute(sa.insert(mig).values(**values))
    row = conn.execute(sa.select(mig).where(mig.c.uuid == values["uuid"])).first()
    return _record(row)


def update(conn: sa.Connection, uuid: str, values: dict[str, Any],
           now: datetime.datetime) -> int:
    return conn.execute(sa.update(mig).where(mig.c.uuid == uuid, mig.c.deleted == 0)
                        .values(**values, updated_at=now)).rowcount


# --- moves (resize, cold migration): written by the super-conductor and,
# through the cell conductor, by the hosts ------------------------------------------

# A resize or cold migration waiting for confirmResize / revertResize.
FINISHED = "finished"
# States of a move that is over: nothing holds allocations for it any more.
DONE = ("confirmed", "reverted", "error", "failed", "completed", "cancelled", "done")


def get(conn: sa.Connection, uuid: str) -> dict | None:
    """A live migration record by uuid, hidden or not."""
    row = conn.execute(sa.select(mig).where(mig.c.uuid == uuid, mig.c.deleted == 0)).first()
    return None if row is None else _record(row)


def set_status(conn: sa.Connection, uuid: str, values: dict[str, Any],
               now: datetime.datetime, expected: Sequence[str] | None = None) -> bool:
    """Update a live migration (only while its status is one of
    ``expected``, when given); False when it did not match."""
    query = sa.update(mig).where(mig.c.uuid == uuid, mig.c.deleted == 0)
    if expected is not None:
        query = query.where(mig.c.status.in_(list(expected)))
    return conn.execute(query.values(**values, updated_at=now)).rowcount == 1


def open_for_instance(conn: sa.Connection, instance_uuid: str) -> list[dict]:
    """The instance's moves not yet over (newest first)."""
    rows = conn.execute(sa.select(mig).where(
        mig.c.instance_uuid == instance_uuid, mig.c.deleted == 0,
        mig.c.status.not_in(list(DONE))).order_by(mig.c.id.desc()))
    return [_record(r) for r in rows]


def moving_among(conn: sa.Connection, instance_uuids: Sequence[str]) -> set[str]:
    """Which of ``instance_uuids`` are in a move not yet over."""
    if not instance_uuids:
        return set()
    return set(conn.execute(sa.select(mig.c.instance_uuid).where(
        mig.c.instance_uuid.in_(list(instance_uuids)), mig.c.deleted == 0,
        mig.c.status.not_in(list(DONE)))).scalars())


def unconfirmed_before(conn: sa.Connection, dest_compute: str, before: datetime.datetime,
                       limit: int) -> list[dict]:
    """Finished resizes and migrations onto ``dest_compute`` waiting for a
    confirmation since before ``before`` (the auto-confirm's work)."""
    rows = conn.execute(sa.select(mig).where(
        mig.c.dest_compute == dest_compute, mig.c.deleted == 0, mig.c.status == FINISHED,
        mig.c.updated_at < before).order_by(mig.c.updated_at).limit(limit))
    return [_record(r) for r in rows]


def evacuated_from(conn: sa.Connection, source_compute: str, limit: int) -> list[dict]:
    """Finished evacuations away from ``source_compute`` it has not cleaned
    up after (its guests and the allocations their migrations hold there)."""
    rows = conn.execute(sa.select(mig).where(
        mig.c.source_compute == source_compute, mig.c.deleted == 0,
        mig.c.migration_type == "evacuation", mig.c.status == "done").order_by(mig.c.id)
        .limit(limit))
    return [_record(r) for r in rows]


def cold_in_progress_from(conn: sa.Connection, instance_uuid: str,
                          source_compute: str) -> dict | None:
    """The instance's resize or cold migration away from ``source_compute``
    that has not reached its destination yet (``pre-migrating`` or
    ``migrating``), if any."""
    row = conn.execute(sa.select(mig).where(
        mig.c.instance_uuid == instance_uuid, mig.c.deleted == 0,
        mig.c.source_compute == source_compute,
        mig.c.migration_type.in_(("resize", "migration")),
        mig.c.status.in_(("pre-migrating", "migrating"))).order_by(mig.c.id.desc())).first()
    return None if row is None else _record(row)


def statuses_of(conn: sa.Connection, uuids: Sequence[str]) -> dict[str, dict]:
    """``{uuid: {"status", "migration_type"}}`` of the live migrations
    among ``uuids`` (hidden copies of a cross-cell move included: they are
    still the move's); callers bound ``uuids`` (one ``IN`` list)."""
    if not uuids:
        return {}
    rows = conn.execute(sa.select(mig.c.uuid, mig.c.status, mig.c.migration_type).where(
        mig.c.uuid.in_(list(uuids)), mig.c.deleted == 0))
    return {r.uuid: {"status": r.status, "migration_type": r.migration_type} for r in rows}


def holds_allocations(record: dict) -> bool:
    """Whether a migration's uuid may still hold an allocation: a move not
    over yet, or an evacuation ``done`` whose source has not come back to
    clean up (its migration holds the dead source's allocation until
    then, and is ``completed`` after)."""
    return record["status"] not in DONE or (
        record["migration_type"] == "evacuation" and record["status"] == "done")


# The statuses of a move within a cell that a host may have stopped in the
# middle of (its start-up reconcile picks the move up again).
IN_FLIGHT = ("post-migrating", "reverting", "confirming", "running")


def in_flight_at(conn: sa.Connection, host: str, limit: int, after_id: int = 0
                 ) -> list[dict]:
    """Moves within one cell from or to ``host`` that a host was carrying
    out (statuses :data:`IN_FLIGHT`; resizes, cold and live migrations),
    and evacuations ``host`` was rebuilding (``migrating``, ``host`` their
    destination), oldest first, from the one after row ``after_id``."""
    moves = sa.and_(sa.or_(mig.c.source_compute == host, mig.c.dest_compute == host),
                    mig.c.migration_type.in_(("resize", "migration", LIVE_MIGRATION)),
                    mig.c.status.in_(IN_FLIGHT))
    rebuilds = sa.and_(mig.c.dest_compute == host, mig.c.migration_type == "evacuation",
                       mig.c.status == "migrating")
    rows = conn.execute(sa.select(mig).where(
        sa.or_(moves, rebuilds), mig.c.id > after_id,
        mig.c.deleted == 0, mig.c.hidden == sa.false(), mig.c.cross_cell_move == sa.false())
        .order_by(mig.c.id).limit(limit))
    return [_record(r) for r in rows]
