"""api_db sync / db sync on every backend: schemas match the models, syncs are
idempotent, and each schema refuses the other's database."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from nubes.cells import schema_sync
from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cmd import manage
from nubes.common.db import migrate
from nubes.common.db.transaction import Database
from nubes.placement import schema_sync as placement_schema
from tests.fixtures import databases


@pytest.fixture(params=databases.backends())
def empty_databases(request):
    made = [databases.TemporaryDatabase(request.param) for _ in range(3)]
    dbs = [Database(tmp.url) for tmp in made]
    yield dbs
    for db in dbs:
        db.dispose()
    for tmp in made:
        tmp.drop()


def _diff(db: Database, metadata: sa.MetaData) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "nubes.conf"
    path.write_text(text)
    return str(path)


def test_api_db_sync_builds_the_models_schema_and_is_idempotent(empty_databases, tmp_path,
                                                                capsys):
    api = empty_databases[0]
    conf = _write(tmp_path, f"[api_database]\nconnection = {api.url}\n")
    assert manage.main(["--config-file", conf, "api_db", "sync"]) == 0
    assert manage.main(["--config-file", conf, "api_db", "sync"]) == 0
    assert "API database: schema is current" in capsys.readouterr().out
    assert schema_sync.api_is_current(api)
    assert _diff(api, api_models.metadata) == []


def test_db_sync_upgrades_placement_the_cell_and_mapped_cell0(empty_databases, tmp_path,
                                                             capsys):
    placement, cell, cell0 = empty_databases
    api_tmp = databases.TemporaryDatabase(placement.backend)
    api = Database(api_tmp.url)
    try:
        schema_sync.upgrade_api(api)
        conf = _write(tmp_path, f"[placement_database]\nconnection = {placement.url}\n"
                                f"[database]\nconnection = {cell.url}\n"
                                f"[api_database]\nconnection = {api.url}\n")
        # cell0 not mapped yet: only placement and the local cell.
        assert manage.main(["--config-file", conf, "db", "sync"]) == 0
        assert not schema_sync.cell_is_current(cell0)
        assert manage.main(["--config-file", conf, "cell_v2", "map_cell0",
                            "--database_connection", cell0.url]) == 0
        for _ in range(2):
            assert manage.main(["--config-file", conf, "db", "sync"]) == 0
        out = capsys.readouterr().out
        assert "cell0 database: schema is current" in out
        assert placement_schema.is_current(placement)
        assert schema_sync.cell_is_current(cell)
        assert schema_sync.cell_is_current(cell0)
        assert _diff(cell, cell_models.metadata) == []
    finally:
        api.dispose()
        api_tmp.drop()


def test_db_sync_local_cell_skips_cell0(empty_databases, tmp_path):
    cell, cell0, api = empty_databases
    schema_sync.upgrade_api(api)
    conf = _write(tmp_path, f"[database]\nconnection = {cell.url}\n"
                            f"[api_database]\nconnection = {api.url}\n")
    assert manage.main(["--config-file", conf, "cell_v2", "map_cell0",
                        "--database_connection", cell0.url]) == 0
    assert manage.main(["--config-file", conf, "db", "sync", "--local_cell"]) == 0
    assert schema_sync.cell_is_current(cell)
    assert not schema_sync.cell_is_current(cell0)


def test_db_sync_of_one_cell_database(empty_databases, tmp_path, capsys):
    cell = empty_databases[0]
    conf = _write(tmp_path, "[DEFAULT]\n")
    assert manage.main(["--config-file", conf, "db", "sync",
                        "--database_connection", cell.url]) == 0
    assert schema_sync.cell_is_current(cell)
    assert manage.main(["--config-file", conf, "db", "sync",
                        "--database_connection", "nonsense"]) == 1
    assert "not a valid" in capsys.readouterr().err


def test_api_db_sync_without_a_connection(tmp_path, capsys):
    conf = _write(tmp_path, "[DEFAULT]\n")
    assert manage.main(["--config-file", conf, "api_db", "sync"]) == 1
    assert "[api_database] connection" in capsys.readouterr().err


def test_the_schemas_refuse_each_others_databases(empty_databases, tmp_path, capsys):
    cell = empty_databases[0]
    schema_sync.upgrade_cell(cell)
    conf = _write(tmp_path, f"[api_database]\nconnection = {cell.url}\n")
    assert manage.main(["--config-file", conf, "api_db", "sync"]) == 1
    assert migrate.head_revision(schema_sync.CELL_SCRIPTS) in capsys.readouterr().err
