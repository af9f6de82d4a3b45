"""The volume migrations build exactly the models' schema on every backend
and running them again changes nothing."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from nubes.volume import models, schema_sync


def test_migrations_match_the_models(volume_database):
    schema_sync.upgrade(volume_database)  # a second time: a no-op
    assert schema_sync.is_current(volume_database)
    with volume_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, models.metadata) == []
