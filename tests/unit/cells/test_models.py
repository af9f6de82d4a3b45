"""Static checks on the two schemas and their migrations."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nubes.cells import schema_sync
from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.common.db import migrate

# MySQL allows 64 characters; PostgreSQL silently truncates past 63.
LIMIT = 63


def _names(metadata: sa.MetaData):
    for table in metadata.tables.values():
        yield table.name
        for index in table.indexes:
            yield index.name
        for constraint in table.constraints:
            yield constraint.name


@pytest.mark.parametrize("metadata", [api_models.metadata, cell_models.metadata],
                         ids=["api", "cell"])
def test_identifiers_fit_every_backend(metadata):
    # Render constraint names as the naming convention will.
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    too_long = [n for n in _names(metadata) if n and len(str(n)) > LIMIT]
    assert too_long == []


def test_the_schemas_share_no_table_names():
    assert not set(api_models.metadata.tables) & set(cell_models.metadata.tables)


def test_heads():
    assert migrate.head_revision(schema_sync.API_SCRIPTS) == "api_0003"
    assert migrate.head_revision(schema_sync.CELL_SCRIPTS) == "cell_0004"


def test_listing_sort_keys_are_indexed():
    indexed = {tuple(c.name for c in ix.columns) for ix in cell_models.instances.indexes}
    assert ("deleted", "created_at", "id") in indexed
    assert ("project_id", "deleted", "created_at", "id") in indexed


def test_cell0_mapping_columns():
    columns = api_models.cell_mappings.c
    assert {"uuid", "name", "transport_url", "database_connection", "disabled"} <= set(
        columns.keys())
    assert "queued_for_delete" in api_models.instance_mappings.c
