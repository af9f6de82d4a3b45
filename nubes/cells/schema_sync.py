"""Create or upgrade the API and cell schemas (``nubes-manage api_db sync``
and ``db sync``).  Both are idempotent and safe to run again."""
from __future__ import annotations

from nubes.cells.api_db import migrations as _api_migrations
from nubes.cells.cell_db import migrations as _cell_migrations
from nubes.common.db import migrate
from nubes.common.db.transaction import Database

API_SCRIPTS = migrate.script_dir(_api_migrations.__file__, name="")
CELL_SCRIPTS = migrate.script_dir(_cell_migrations.__file__, name="")


def upgrade_api(db: Database) -> None:
    migrate.upgrade(db.engine, API_SCRIPTS)


def upgrade_cell(db: Database) -> None:
    migrate.upgrade(db.engine, CELL_SCRIPTS)


def api_is_current(db: Database) -> bool:
    return migrate.current_revision(db.engine) == migrate.head_revision(API_SCRIPTS)


def cell_is_current(db: Database) -> bool:
    return migrate.current_revision(db.engine) == migrate.head_revision(CELL_SCRIPTS)
