"""nubes-manage cell_v2 map_instances / verify_instance on every backend."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.cells.repo import instance_mappings
from tests.functional.cells.deployment import (
    DEAD_DATABASE, add_instance, archive_instance, rows)

UNKNOWN = "11111111-2222-3333-4444-555555555555"


def _mappings(deployment) -> dict[str, sa.Row]:
    return {r.instance_uuid: r for r in rows(deployment.api_db, api_models.instance_mappings)}


def test_map_instances_maps_live_and_deleted_instances(manage, deployment):
    cells = manage.setup_cells()
    cell1 = deployment.cell_dbs["cell1"]
    live = add_instance(cell1, project_id="p1", user_id="u1")
    gone = add_instance(cell1, project_id="p2", user_id="u2", deleted=True)
    add_instance(deployment.cell_dbs["cell2"])  # another cell: not touched
    result = manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"])
    assert result.code == 0, result
    assert "All instances are mapped" in result.out
    mappings = _mappings(deployment)
    assert set(mappings) == {live, gone}
    cell1_id = {r.name: r.id for r in rows(deployment.api_db, api_models.cell_mappings)}["cell1"]
    assert mappings[live].cell_id == cell1_id
    assert (mappings[live].project_id, mappings[live].user_id) == ("p1", "u1")
    assert mappings[live].queued_for_delete is False
    assert mappings[gone].queued_for_delete is True
    # Idempotent.
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"]).code == 0
    assert len(_mappings(deployment)) == 2


def test_map_instances_resumes_after_max_count(manage, deployment):
    cells = manage.setup_cells()
    made = [add_instance(deployment.cell_dbs["cell1"]) for _ in range(5)]
    first = manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"], "--max-count", "2")
    assert first.code == 1, first
    assert "more remain" in first.out
    assert set(_mappings(deployment)) == set(made[:2])
    second = manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"], "--max_count", "2")
    assert second.code == 1
    assert "Resuming after instance id" in second.out
    assert set(_mappings(deployment)) == set(made[:4])
    last = manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"], "--max-count", "2")
    assert last.code == 0, last
    assert set(_mappings(deployment)) == set(made)
    assert rows(deployment.api_db, api_models.instance_mapping_markers) == []


def test_map_instances_reset_starts_over(manage, deployment):
    cells = manage.setup_cells()
    made = [add_instance(deployment.cell_dbs["cell1"]) for _ in range(3)]
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"],
                          "--max-count", "2").code == 1
    # Someone removed a mapping behind the marker: only --reset finds it again.
    deployment.api_db.write(lambda conn: conn.execute(
        sa.delete(api_models.instance_mappings)
        .where(api_models.instance_mappings.c.instance_uuid == made[0])))
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"]).code == 0
    assert made[0] not in _mappings(deployment)
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"],
                          "--max-count", "1").code == 1  # sets a marker again
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"], "--reset").code == 0
    assert set(_mappings(deployment)) == set(made)


def test_map_instances_places_mappings_still_waiting_for_a_cell(manage, deployment):
    cells = manage.setup_cells()
    uuid = add_instance(deployment.cell_dbs["cell1"])
    deployment.api_db.write(lambda conn: instance_mappings.create(
        conn, instance_uuid=uuid, project_id="p1", user_id="u1"))
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"]).code == 0
    assert _mappings(deployment)[uuid].cell_id is not None


def test_map_instances_bad_input(manage):
    cells = manage.setup_cells()
    for bad in ("0", "-3", "many"):
        result = manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"],
                                "--max-count", bad)
        assert result.code == 127, (bad, result)
        assert "positive integer" in result.err
    assert manage.cell_v2("map_instances", "--cell_uuid", UNKNOWN).code == 255


def test_map_instances_with_a_dead_cell_database(manage, deployment):
    cells = manage.setup_cells()
    deployment.api_db.write(lambda conn: conn.execute(
        sa.update(api_models.cell_mappings)
        .where(api_models.cell_mappings.c.uuid == cells["cell2"])
        .values(database_connection=DEAD_DATABASE)))
    result = manage.cell_v2("map_instances", "--cell_uuid", cells["cell2"])
    assert result.code == 255
    assert "dead-secret" not in result.err


def test_verify_instance_every_verdict(manage, deployment):
    cells = manage.setup_cells()
    cell1 = deployment.cell_dbs["cell1"]
    live = add_instance(cell1)
    deleted = add_instance(cell1, deleted=True)
    archived = add_instance(cell1)
    assert manage.cell_v2("map_instances", "--cell_uuid", cells["cell1"]).code == 0
    archive_instance(cell1, archived)
    waiting = "22222222-3333-4444-5555-666666666666"
    deployment.api_db.write(lambda conn: instance_mappings.create(
        conn, instance_uuid=waiting, project_id="p1", user_id="u1"))

    ok = manage.cell_v2("verify_instance", "--uuid", live)
    assert ok.code == 0 and "cell1" in ok.out
    assert manage.cell_v2("verify_instance", "--uuid", UNKNOWN).code == 1
    assert manage.cell_v2("verify_instance", "--uuid", waiting).code == 2
    assert manage.cell_v2("verify_instance", "--uuid", deleted).code == 3
    assert manage.cell_v2("verify_instance", "--uuid", archived).code == 4
    quiet = manage.cell_v2("verify_instance", "--uuid", archived, "--quiet")
    assert quiet.code == 4 and quiet.out == ""
