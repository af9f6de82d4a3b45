"""Create or upgrade the volume schema (``nubes-volume-api --sync`` and
``nubes up``)."""
from __future__ import annotations

from nubes.common.db import migrate
from nubes.common.db.transaction import Database
from nubes.volume import migrations as _migrations_pkg  # noqa: F401  (locates the scripts)

SCRIPT_LOCATION = migrate.script_dir(_migrations_pkg.__file__, name="")


def upgrade(db: Database) -> None:
    migrate.upgrade(db.engine, SCRIPT_LOCATION)


def is_current(db: Database) -> bool:
    return migrate.current_revision(db.engine) == migrate.head_revision(SCRIPT_LOCATION)
