"""Alembic runner shared by every database nubes owns.

Each schema (placement, API, cell) keeps an Alembic script directory next
to its models; this module upgrades a database to the newest revision of
one of them.  Running it again is a no-op, and several processes may run
it at once on MariaDB/PostgreSQL (Alembic's version table serialises them).
"""
from __future__ import annotations

import logging
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def _config(script_location: str, engine: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine, script_location: str, revision: str = "head") -> None:
    # Alembic says "Context impl SQLiteImpl." and a line per revision at
    # INFO on every start; warnings only, unless its level was set already.
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        alembic_log.setLevel(logging.WARNING)
    command.upgrade(_config(script_location, engine), revision)


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(script_location: str) -> str | None:
    return ScriptDirectory(script_location).get_current_head()


def script_dir(package_file: str, name: str = "migrations") -> str:
    """The Alembic directory ``name`` beside ``package_file`` ("" for the
    file's own directory)."""
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(package_file)), name))


def run_env(context, target_metadata: sa.MetaData | None = None) -> None:
    """Body of every migrations/env.py: online migrations on the engine the
    caller put in ``config.attributes`` (``target_metadata`` serves
    ``alembic revision --autogenerate`` when writing a new migration)."""
    engine: sa.Engine = context.config.attributes["engine"]
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=engine.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
