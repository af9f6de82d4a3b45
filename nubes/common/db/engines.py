"""Engine creation for SQLite, MariaDB/MySQL and PostgreSQL.

Each backend gets the settings that make concurrent writers correct:

* SQLite: WAL journal, foreign keys on, and transactions begun by us, not by
  the driver, so that writers start with ``BEGIN IMMEDIATE`` (a deferred
  ``BEGIN`` upgrades to a write lock late and fails at once with
  "database is locked" under concurrency) while readers use a plain
  ``BEGIN``.
* MariaDB/MySQL: PyMySQL, utf8mb4, READ COMMITTED (fewer gap locks and
  deadlocks; generation-guarded updates give the isolation we need).
* PostgreSQL: psycopg 3, its default READ COMMITTED.
"""
from __future__ import annotations

import contextlib
import os
import threading
from typing import ContextManager

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

WRITER_OPTION = "nubes_writer"

# One lock per SQLite file, shared by every engine of this process on it.
_SQLITE_WRITER_LOCKS: dict[str, threading.RLock] = {}
_SQLITE_WRITER_LOCKS_GUARD = threading.Lock()


def normalise_url(url: str) -> sa.engine.URL:
    """Pick our drivers for bare ``mysql://`` and ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> sa.Engine:
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, pool_size, max_overflow)
    # No pre-ping (a round trip per transaction): a connection found dead
    # invalidates the pool and Database retries the transaction instead.
    kwargs: dict = {"pool_size": pool_size, "max_overflow": max_overflow,
                    "pool_recycle": 3600}
    if backend == "mysql":
        kwargs["isolation_level"] = "READ COMMITTED"
    return sa.create_engine(parsed, **kwargs)


def _sqlite_engine(parsed: sa.engine.URL, pool_size: int, max_overflow: int) -> sa.Engine:
    memory = parsed.database in (None, "", ":memory:")
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        # One shared connection, or each checkout would see an empty database.
        kwargs["poolclass"] = sa.pool.StaticPool
    else:
        # Pooled: closing the last connection to a WAL database checkpoints
        # it, which made every transaction twice as slow with NullPool.
        # Forking servers must dispose the engine after building the app.
        kwargs.update(poolclass=sa.pool.QueuePool, pool_size=pool_size,
                      max_overflow=max_overflow)
    engine = sa.create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control away from the sqlite3 module.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(WRITER_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def writer_gate(engine: sa.Engine) -> ContextManager:
    """What a writer holds around its whole transaction.

    SQLite allows one writer per file; a writer that finds another one
    waits in SQLite's busy handler, which polls with sleeps of up to
    100 ms, so under contention most of the time goes to sleeping.  Writers
    of this process therefore queue on a lock per file first and are
    handed the file the moment the previous one commits; the busy handler
    only still waits for writers in other processes.  Server databases
    need no gate (row locks and retries do the work).
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return contextlib.nullcontext()
    path = os.path.realpath(engine.url.database)
    with _SQLITE_WRITER_LOCKS_GUARD:
        return _SQLITE_WRITER_LOCKS.setdefault(path, threading.RLock())
