"""nubes-manage cell_v2 map_cell0 / create_cell / list_cells / update_cell /
delete_cell, including every refusal, on every backend."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cells.records import CELL0_UUID
from tests.functional.cells.deployment import (
    DEAD_DATABASE, TRANSPORT, add_compute_node, add_instance, mapped_flags, rows)

UNKNOWN = "11111111-2222-3333-4444-555555555555"


def _cells(deployment):
    return {r.name: r for r in rows(deployment.api_db, api_models.cell_mappings)}


# --- map_cell0 -----------------------------------------------------------------------

def test_map_cell0_derives_the_database_from_the_local_one(manage, deployment):
    result = manage.cell_v2("map_cell0")
    assert result.code == 0, result
    cell0 = _cells(deployment)["cell0"]
    assert cell0.uuid == CELL0_UUID
    local = sa.engine.make_url(deployment.cell_urls["cell1"])
    derived = sa.engine.make_url(cell0.database_connection)
    if deployment.backend == "sqlite":
        assert derived.database.endswith("_cell0.sqlite")
    else:
        assert derived.database == local.database + "_cell0"


def test_map_cell0_is_idempotent(manage, deployment):
    url = deployment.cell_urls["cell0"]
    assert manage.cell_v2("map_cell0", "--database_connection", url).code == 0
    again = manage.cell_v2("map_cell0", "--database_connection", url)
    assert again.code == 0
    assert "already setup" in again.out
    assert len(rows(deployment.api_db, api_models.cell_mappings)) == 1


def test_map_cell0_needs_some_database(manage):
    conf = manage.write_conf(cell=None, name="nocell.conf")
    result = manage.cell_v2("map_cell0", conf=conf)
    assert result.code == 1
    assert "--database_connection" in result.err


def test_map_cell0_rejects_a_bad_url(manage):
    result = manage.cell_v2("map_cell0", "--database_connection", "not a url")
    assert result.code == 1
    assert "not a valid" in result.err


# --- create_cell -----------------------------------------------------------------------

def test_create_cell_with_verbose_prints_only_the_uuid(manage, deployment):
    cell_uuid = manage.create_cell("cell1")
    cell = _cells(deployment)["cell1"]
    assert cell.uuid == cell_uuid
    assert cell.transport_url == TRANSPORT + "cell1"
    assert cell.database_connection == deployment.cell_urls["cell1"]
    assert cell.disabled is False


def test_create_cell_takes_defaults_from_the_config(manage, deployment):
    result = manage.cell_v2("create_cell", "--name", "fromconf", "--disabled")
    assert result.code == 0, result
    assert "Created cell 'fromconf'" in result.out
    cell = _cells(deployment)["fromconf"]
    assert (cell.transport_url, cell.database_connection) == (
        TRANSPORT, deployment.cell_urls["cell1"])
    assert cell.disabled is True


def test_create_cell_without_transport_url(manage, deployment):
    conf = manage.write_conf(transport_url=None, name="nobus.conf")
    result = manage.cell_v2("create_cell", "--name", "x", conf=conf)
    assert result.code == 1
    assert "transport URL" in result.err
    assert _cells(deployment) == {}


def test_create_cell_with_invalid_transport_url(manage):
    result = manage.cell_v2("create_cell", "--transport-url", "no-scheme-here")
    assert result.code == 1
    assert "scheme://" in result.err


def test_create_cell_with_invalid_database_url(manage):
    result = manage.cell_v2("create_cell", "--database_connection", "oracle://x/y")
    assert result.code == 1
    assert "not supported" in result.err


def test_create_cell_refuses_an_unreachable_database(manage, deployment):
    result = manage.cell_v2("create_cell", "--name", "dead",
                            "--database_connection", DEAD_DATABASE)
    assert result.code == 1
    assert "cannot connect" in result.err
    assert "dead-secret" not in result.err  # the password stays hidden
    assert _cells(deployment) == {}


def test_create_cell_refuses_a_duplicate_pair(manage, deployment):
    manage.create_cell("cell1")
    result = manage.cell_v2("create_cell", "--name", "again",
                            "--transport-url", TRANSPORT + "cell1",
                            "--database_connection", deployment.cell_urls["cell1"])
    assert result.code == 2
    assert "already uses" in result.err
    # Same database with another bus is a different cell.
    other = manage.cell_v2("create_cell", "--name", "again",
                           "--transport-url", TRANSPORT + "other",
                           "--database_connection", deployment.cell_urls["cell1"])
    assert other.code == 0


def test_cell_commands_need_the_api_database(manage):
    conf = manage.write_conf(api=False, name="noapi.conf")
    result = manage.cell_v2("list_cells", conf=conf)
    assert result.code == 255
    assert "[api_database] connection" in result.err


def test_cell_commands_report_an_unreachable_api_database(manage, tmp_path):
    conf = tmp_path / "deadapi.conf"
    conf.write_text(f"[api_database]\nconnection = {DEAD_DATABASE}\n")
    result = manage.cell_v2("list_cells", conf=str(conf))
    assert result.code == 255
    assert "OperationalError" in result.err


def test_missing_required_argument_is_a_usage_error(manage):
    with pytest.raises(SystemExit) as exit_:
        manage.cell_v2("delete_cell")
    assert exit_.value.code == 2


# --- list_cells --------------------------------------------------------------------------

def test_list_cells_masks_passwords_unless_verbose(manage, deployment):
    manage.setup_cells()
    masked = manage.cell_v2("list_cells")
    assert masked.code == 0
    assert "bus-secret" not in masked.out
    assert "rabbit://nubes:****@mq.example:5672/cell1" in masked.out
    for name in ("cell0", "cell1", "cell2"):
        assert f"| {name} " in masked.out
    header = masked.out.splitlines()[1]
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "Name", "UUID", "Transport URL", "Database Connection", "Disabled"]
    verbose = manage.cell_v2("list_cells", "--verbose")
    assert "rabbit://nubes:bus-secret@mq.example:5672/cell1" in verbose.out
    assert deployment.cell_urls["cell1"] in verbose.out


def test_list_cells_with_no_cells(manage):
    result = manage.cell_v2("list_cells")
    assert result.code == 0
    assert "Name" in result.out


# --- update_cell ---------------------------------------------------------------------------

def test_update_cell_changes_name_bus_and_state(manage, deployment):
    cells = manage.setup_cells()
    result = manage.cell_v2("update_cell", "--cell_uuid", cells["cell1"], "--name", "east",
                            "--transport-url", "rabbit://u:p@new:5672/east", "--disable")
    assert result.code == 0, result
    east = _cells(deployment)["east"]
    assert east.transport_url == "rabbit://u:p@new:5672/east"
    assert east.disabled is True
    assert manage.cell_v2("update_cell", "--cell-uuid", cells["cell1"], "--enable").code == 0
    assert _cells(deployment)["east"].disabled is False


def test_update_cell_database_must_be_reachable(manage, deployment):
    cells = manage.setup_cells()
    result = manage.cell_v2("update_cell", "--cell_uuid", cells["cell1"],
                            "--database_connection", DEAD_DATABASE)
    assert result.code == 2
    assert _cells(deployment)["cell1"].database_connection == deployment.cell_urls["cell1"]


def test_update_cell_refusals(manage, deployment):
    cells = manage.setup_cells()
    assert manage.cell_v2("update_cell", "--cell_uuid", UNKNOWN, "--name", "x").code == 1
    assert manage.cell_v2("update_cell", "--cell_uuid", cells["cell1"],
                          "--transport-url", "bogus").code == 2
    # cell2 taking cell1's bus and database.
    duplicate = manage.cell_v2("update_cell", "--cell_uuid", cells["cell2"],
                               "--transport-url", TRANSPORT + "cell1",
                               "--database_connection", deployment.cell_urls["cell1"])
    assert duplicate.code == 3
    both = manage.cell_v2("update_cell", "--cell_uuid", cells["cell1"],
                          "--disable", "--enable")
    assert both.code == 4
    assert manage.cell_v2("update_cell", "--cell_uuid", CELL0_UUID, "--disable").code == 5
    assert manage.cell_v2("update_cell", "--cell_uuid", CELL0_UUID,
                          "--transport-url", TRANSPORT).code == 5
    current = _cells(deployment)
    assert current["cell2"].database_connection == deployment.cell_urls["cell2"]
    assert current["cell1"].disabled is False and current["cell0"].disabled is False


def test_update_cell0_database_is_allowed(manage, deployment):
    manage.setup_cells()
    result = manage.cell_v2("update_cell", "--cell_uuid", CELL0_UUID,
                            "--database_connection", deployment.cell_urls["cell2"])
    assert result.code == 0, result


# --- delete_cell -------------------------------------------------------------------------------

def test_delete_empty_cell(manage, deployment):
    cells = manage.setup_cells()
    result = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell2"])
    assert result.code == 0, result
    assert set(_cells(deployment)) == {"cell0", "cell1"}


def test_delete_unknown_cell(manage):
    assert manage.cell_v2("delete_cell", "--cell_uuid", UNKNOWN).code == 1


def test_delete_cell_with_hosts_needs_force(manage, deployment):
    cells = manage.setup_cells()
    add_compute_node(deployment.cell_dbs["cell1"], "host1")
    assert manage.cell_v2("discover_hosts").code == 0
    refused = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell1"])
    assert refused.code == 2
    assert "--force" in refused.err
    forced = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell1"], "--force")
    assert forced.code == 0, forced
    assert rows(deployment.api_db, api_models.host_mappings) == []
    # Unmapped again, so re-adding the cell rediscovers its hosts.
    assert mapped_flags(deployment.cell_dbs["cell1"]) == {"host1": 0}


def test_delete_cell_with_live_instances_is_refused_even_with_force(manage, deployment):
    cells = manage.setup_cells()
    add_instance(deployment.cell_dbs["cell1"])
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"]).code == 0
    for extra in ((), ("--force",)):
        result = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell1"], *extra)
        assert result.code == 3, result
    assert "cell1" in _cells(deployment)


def test_delete_cell_with_only_deleted_instances(manage, deployment):
    cells = manage.setup_cells()
    add_instance(deployment.cell_dbs["cell1"], deleted=True)
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"]).code == 0
    refused = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell1"])
    assert refused.code == 4
    forced = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell1"], "--force")
    assert forced.code == 0
    assert rows(deployment.api_db, api_models.instance_mappings) == []


def test_delete_cell_whose_database_is_down_and_has_mappings(manage, deployment):
    cells = manage.setup_cells()
    add_instance(deployment.cell_dbs["cell2"], deleted=True)
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell2"]).code == 0
    deployment.api_db.write(lambda conn: conn.execute(
        sa.update(api_models.cell_mappings).where(
            api_models.cell_mappings.c.uuid == cells["cell2"])
        .values(database_connection=DEAD_DATABASE)))
    result = manage.cell_v2("delete_cell", "--cell_uuid", cells["cell2"], "--force")
    assert result.code == 255
    assert "unreachable" in result.err
    assert "dead-secret" not in result.err


def test_cell0_rows_are_untouched_by_cell_commands(manage, deployment):
    manage.setup_cells()
    assert rows(deployment.cell_dbs["cell0"], cell_models.instances) == []
