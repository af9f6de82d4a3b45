"""Integer ids of services and compute nodes that are unique across cells.

Before microversion 2.53 the compute API addresses hypervisors and services
by the integer primary key of their row in a cell database.  So that two
cells never hand out the same id, each cell numbers ``services.id`` and
``compute_nodes.id`` in its own range, derived from its cell mapping's id
``k`` in the API database (stable for the mapping's life, unique, and known
to the API without asking any cell):

    ids of the cell mapped with id k:  [k * 2**24, (k + 1) * 2**24)

and the API maps an id back to its one cell as ``id >> 24``.  Each range
holds 16,777,216 ids per table (service and compute node rows are
soft-deleted, never reused); ids stay 32-bit signed integers, so only
mapping ids 1..127 get a range (``MAX_CELL_ID``).  cell0 has no services or
compute nodes and gets none.  Ids below 2**24 belong to no range: rows a
cell numbered before it had one (an existing deployment) keep them, and the
API looks those up in every cell as before (400 when two cells share one).

The database assigns the ids (SQLite ``sqlite_sequence`` of an AUTOINCREMENT
table, MariaDB/MySQL ``AUTO_INCREMENT``, PostgreSQL the column's sequence),
so concurrent inserts need nothing more; :func:`assign` moves the counter
to the range's start once, when a cell is created or its schema synced.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from nubes.common.db.transaction import Database

RANGE_BITS = 24
RANGE_SIZE = 1 << RANGE_BITS          # 16,777,216 ids per cell and table
MAX_CELL_ID = (2**31 - 1) >> RANGE_BITS   # 127: the last range ends at 2**31 - 1
TABLES = ("services", "compute_nodes")


def id_range(cell_id: int) -> range | None:
    """The ids of the cell mapped with ``cell_id``; None if it has no range."""
    if not 1 <= cell_id <= MAX_CELL_ID:
        return None
    return range(cell_id * RANGE_SIZE, (cell_id + 1) * RANGE_SIZE)


def is_ranged(object_id: int) -> bool:
    """False for ids below every range (numbered before ranges existed)."""
    return object_id >= RANGE_SIZE


def cell_id_of(object_id: int) -> int | None:
    """The cell mapping id whose range holds ``object_id``: None below every
    range, and for ids beyond the last one (no cell can have them)."""
    cell_id = object_id >> RANGE_BITS
    return cell_id if 1 <= cell_id <= MAX_CELL_ID else None


@dataclasses.dataclass(frozen=True)
class Outcome:
    table: str
    state: str      # "set", "in range", "beyond", "no range", "no table"
    next_id: int | None = None

    def describe(self) -> str:
        return {"set": f"{self.table} ids now start at {self.next_id}",
                "in range": f"{self.table} ids already in range (next {self.next_id})",
                "beyond": f"{self.table} ids already past the range (next {self.next_id}): "
                          "left alone; use microversion 2.53+ (uuids) for this cell",
                "no range": f"{self.table}: no id range for cell mapping ids above "
                            f"{MAX_CELL_ID}",
                "no table": f"{self.table}: no such table yet (db sync sets the id range)",
                }[self.state]


def assign(db: Database, cell_id: int) -> list[Outcome]:
    """Make the next ids of ``services`` and ``compute_nodes`` in ``db`` fall
    in the range of cell mapping ``cell_id``.  Idempotent; a counter already
    in or past the range is left alone (past it: ids of an earlier mapping
    of the same database, which must not be reused)."""
    span = id_range(cell_id)
    inspector = sa.inspect(db.engine)
    outcomes = []
    for table in TABLES:
        if span is None:
            outcomes.append(Outcome(table, "no range"))
        elif not inspector.has_table(table):
            outcomes.append(Outcome(table, "no table"))
        else:
            outcomes.append(db.write(lambda conn, t=table: _assign_one(conn, t, span)))
    return outcomes


def _assign_one(conn: sa.Connection, table: str, span: range) -> Outcome:
    backend = conn.dialect.name
    following = _next_id(conn, backend, table)
    if following in span:
        return Outcome(table, "in range", following)
    if following >= span.stop:
        return Outcome(table, "beyond", following)
    if backend == "sqlite":
        start = span.start - 1   # sqlite_sequence holds the last id given
        if not conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :s WHERE name = :t"),
                            {"s": start, "t": table}).rowcount:
            conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :s)"),
                         {"s": start, "t": table})
    elif backend == "postgresql":
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :s, false)"),
                     {"t": table, "s": span.start})
    else:   # mysql, mariadb: never below MAX(id) + 1, which is below the range here
        conn.execute(sa.text(f"ALTER TABLE {table} AUTO_INCREMENT = {int(span.start)}"))
    return Outcome(table, "set", span.start)


def _next_id(conn: sa.Connection, backend: str, table: str) -> int:
    """The id the next insert into ``table`` would get (at least)."""
    top = conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    if backend == "sqlite":
        seq = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                           {"t": table}).scalar()
        return max(int(top), int(seq or 0)) + 1
    if backend == "postgresql":
        seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                           {"t": table}).scalar_one()
        last, called = conn.execute(sa.text(f"SELECT last_value, is_called FROM {seq}")).one()
        return max(int(top) + 1, int(last) + 1 if called else int(last))
    # MySQL's information_schema AUTO_INCREMENT may be a cached statistic:
    # rely on MAX(id); a counter above it is raised to the range's start anyway.
    return int(top) + 1
