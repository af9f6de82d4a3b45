"""Targeting and scatter-gather against real cell databases on every backend,
with one cell whose database is dead."""
from __future__ import annotations

import time

import sqlalchemy as sa

from nubes.cells import scatter_gather as sg
from nubes.cells.cell_db import models as cell_models
from nubes.cells.records import CELL0_UUID
from nubes.cells.repo import cell_mappings
from nubes.cells.targeting import CellRegistry, cell_of, target_cell
from nubes.common.context import RequestContext
from tests.functional.cells.deployment import DEAD_DATABASE, TRANSPORT, add_instance


def _count_instances(cctx) -> int:
    return cell_of(cctx).db.read(lambda conn: conn.scalar(
        sa.select(sa.func.count()).select_from(cell_models.instances)))


def _registry_with_dead_cell(manage, deployment, cell_databases):
    cells = manage.setup_cells()
    deployment.api_db.write(lambda conn: cell_mappings.create(
        conn, uuid="dddddddd-0000-0000-0000-000000000000", name="dead",
        transport_url=TRANSPORT + "dead", database_connection=DEAD_DATABASE))
    return cells, CellRegistry(deployment.api_db, cell_databases)


def test_target_cell_binds_database_and_bus(manage, deployment, cell_databases):
    cells = manage.setup_cells()
    registry = CellRegistry(deployment.api_db, cell_databases)
    add_instance(deployment.cell_dbs["cell2"])
    ctx = RequestContext.admin()
    cctx = registry.target(ctx, registry.get(cells["cell2"]))
    assert cctx.request_id == ctx.request_id and cctx.is_admin
    assert cell_of(cctx).transport_url == TRANSPORT + "cell2"
    assert _count_instances(cctx) == 1
    # The database is created once per cell and shared.
    again = target_cell(ctx, registry.get(cells["cell2"]), cell_databases)
    assert cell_of(again).db is cell_of(cctx).db
    cell0 = registry.target(cctx, registry.get(CELL0_UUID))
    assert cell_of(cell0).transport_url is None
    assert _count_instances(cell0) == 0


def test_registry_caches_until_refreshed(manage, deployment, cell_databases):
    manage.setup_cells()
    registry = CellRegistry(deployment.api_db, cell_databases)
    assert len(registry.cells()) == 3
    assert [c.name for c in registry.cells(include_cell0=False)] == ["cell1", "cell2"]
    manage.create_cell("cell0")  # any free database will do; name is free text
    assert len(registry.cells()) == 3
    registry.refresh()
    assert len(registry.cells()) == 4


def test_a_dead_cell_yields_raised_and_the_others_answer(manage, deployment, cell_databases):
    cells, registry = _registry_with_dead_cell(manage, deployment, cell_databases)
    add_instance(deployment.cell_dbs["cell1"])
    add_instance(deployment.cell_dbs["cell1"])
    add_instance(deployment.cell_dbs["cell2"])
    started = time.monotonic()
    results = sg.scatter_gather_all_cells(RequestContext.admin(), registry, _count_instances,
                                          timeout=10)
    assert time.monotonic() - started < 10
    dead = results.pop("dddddddd-0000-0000-0000-000000000000")
    assert isinstance(dead, sg.Raised) and sg.is_failure(dead)
    assert isinstance(dead.exc, sa.exc.OperationalError)
    assert results == {CELL0_UUID: 0, cells["cell1"]: 2, cells["cell2"]: 1}


def test_a_slow_cell_does_not_respond_and_does_not_delay_the_answer(
        manage, deployment, cell_databases):
    cells, registry = _registry_with_dead_cell(manage, deployment, cell_databases)

    def work(cctx):
        if cell_of(cctx).uuid == cells["cell2"]:
            time.sleep(3)
        return _count_instances(cctx)

    started = time.monotonic()
    results = sg.scatter_gather_skip_cell0(RequestContext.admin(), registry, work,
                                           timeout=0.5)
    assert time.monotonic() - started < 2
    assert CELL0_UUID not in results
    assert results[cells["cell1"]] == 0
    assert results[cells["cell2"]] is sg.did_not_respond
    assert sg.is_failure(results["dddddddd-0000-0000-0000-000000000000"])
