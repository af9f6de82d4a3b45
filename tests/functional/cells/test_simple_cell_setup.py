"""nubes-manage cell_v2 simple_cell_setup on every backend."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.cells.records import CELL0_UUID
from nubes.cells.urls import cell0_database_url
from nubes.common.db.engines import normalise_url
from tests.fixtures import databases
from tests.functional.cells.deployment import add_compute_node, add_instance, rows


@pytest.fixture
def derived_cell0(deployment):
    """The database simple_cell_setup derives for cell0 from cell1's; servers
    need it created first (SQLite creates the file itself)."""
    url = cell0_database_url(deployment.cell_urls["cell1"])
    name = sa.engine.make_url(url).database
    if deployment.backend == "sqlite":
        yield url
        if os.path.exists(name):
            os.remove(name)
        return
    admin = sa.create_engine(normalise_url(os.environ[databases.ENV[deployment.backend]]),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield url
    with admin.connect() as conn:
        if deployment.backend == "postgresql":
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    admin.dispose()


def test_simple_cell_setup_from_scratch(manage, deployment, derived_cell0):
    add_compute_node(deployment.cell_dbs["cell1"], "host1")
    instance = add_instance(deployment.cell_dbs["cell1"])
    result = manage.cell_v2("simple_cell_setup")
    assert result.code == 0, result
    cells = {r.name: r for r in rows(deployment.api_db, api_models.cell_mappings)}
    assert set(cells) == {"cell0", "cell1"}
    assert cells["cell0"].uuid == CELL0_UUID
    assert cells["cell0"].database_connection == derived_cell0
    assert cells["cell1"].database_connection == deployment.cell_urls["cell1"]
    assert "cell0 database: schema is current" in result.out
    hosts = rows(deployment.api_db, api_models.host_mappings)
    assert [(h.host, h.cell_id) for h in hosts] == [("host1", cells["cell1"].id)]
    assert [m.instance_uuid for m in rows(deployment.api_db, api_models.instance_mappings)
            ] == [instance]
    again = manage.cell_v2("simple_cell_setup")
    assert again.code == 0
    assert "Already setup" in again.out


def test_simple_cell_setup_with_no_hosts(manage, deployment, derived_cell0):
    result = manage.cell_v2("simple_cell_setup", "--transport-url", "rabbit://h/")
    assert result.code == 1
    assert "No hosts found" in result.out


def test_simple_cell_setup_needs_a_transport_url(manage, deployment):
    conf = manage.write_conf(transport_url=None, name="nobus.conf")
    result = manage.cell_v2("simple_cell_setup", conf=conf)
    assert result.code == 1
    assert "transport URL" in result.err
    assert rows(deployment.api_db, api_models.cell_mappings) == []
    bad = manage.cell_v2("simple_cell_setup", "--transport-url", "nonsense", conf=conf)
    assert bad.code == 1
