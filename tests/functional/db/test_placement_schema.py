"""Schema sync and start-up name sync on every backend."""
from __future__ import annotations

import threading

import os_resource_classes
import os_traits
import pytest
import sqlalchemy as sa

from nubes.cmd import manage
from nubes.common.db import migrate
from nubes.common.db.transaction import Database
from nubes.placement import models, schema_sync
from nubes.placement.service import standard_names
from tests.fixtures import databases


@pytest.fixture(params=databases.backends())
def empty_database(request):
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    yield db
    db.dispose()
    tmp.drop()


def test_db_sync_creates_the_schema_and_is_idempotent(empty_database, tmp_path, capsys):
    conf_file = tmp_path / "nubes.conf"
    conf_file.write_text(f"[placement_database]\nconnection = {empty_database.url}\n")
    assert manage.main(["--config-file", str(conf_file), "db", "sync"]) == 0
    assert manage.main(["--config-file", str(conf_file), "db", "sync"]) == 0
    assert "schema is current" in capsys.readouterr().out
    assert schema_sync.is_current(empty_database)
    tables = set(sa.inspect(empty_database.engine).get_table_names())
    assert set(models.metadata.tables) <= tables


def test_db_sync_without_a_connection_says_what_to_do(tmp_path, capsys):
    conf_file = tmp_path / "nubes.conf"
    conf_file.write_text("[DEFAULT]\n")
    assert manage.main(["--config-file", str(conf_file), "db", "sync"]) == 1
    assert "[placement_database] connection" in capsys.readouterr().err


def test_missing_config_file_is_an_error(tmp_path, capsys):
    assert manage.main(["--config-file", str(tmp_path / "absent.conf"), "db", "sync"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_standard_names_sync_is_safe_when_workers_start_together(empty_database):
    schema_sync.upgrade(empty_database)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start_worker():
        try:
            barrier.wait()
            standard_names.sync(Database(empty_database.url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start_worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with empty_database.engine.connect() as conn:
        classes = conn.scalar(sa.select(sa.func.count()).select_from(models.resource_classes))
        traits = conn.scalar(sa.select(sa.func.count()).select_from(models.traits))
    assert classes == len(os_resource_classes.STANDARDS)
    assert traits == len(os_traits.get_traits())


def test_head_revision_is_known():
    assert migrate.head_revision(schema_sync.SCRIPT_LOCATION) == "0002"
