"""The few statements whose SQL differs between SQLite, MySQL and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite


def insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """INSERT rows, silently skipping any that hit a unique constraint.

    Safe when several processes insert the same rows at once (start-up
    syncs of standard names, get-or-create of projects and users).
    """
    if not rows:
        return
    name = conn.dialect.name
    if name == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    elif name == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    elif name in ("mysql", "mariadb"):
        stmt = mysql.insert(table).prefix_with("IGNORE")
    else:  # pragma: no cover - only the three backends are supported
        raise NotImplementedError(name)
    conn.execute(stmt, rows)
