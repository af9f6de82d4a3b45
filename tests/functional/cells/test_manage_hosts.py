"""nubes-manage cell_v2 discover_hosts / list_hosts on every backend."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from nubes.cells.admin import hosts as hosts_admin
from nubes.cells.api_db import models as api_models
from nubes.cells.targeting import CellDatabases
from nubes.common.db.transaction import Database
from tests.functional.cells.deployment import (
    DEAD_DATABASE, add_compute_node, add_service, mapped_flags, rows)

UNKNOWN = "11111111-2222-3333-4444-555555555555"


def _host_cells(deployment) -> dict[str, int]:
    return {r.host: r.cell_id for r in rows(deployment.api_db, api_models.host_mappings)}


def _cell_ids(deployment) -> dict[str, int]:
    return {r.name: r.id for r in rows(deployment.api_db, api_models.cell_mappings)}


def test_discover_hosts_maps_nodes_of_every_cell_and_is_idempotent(manage, deployment):
    manage.setup_cells()
    cell1, cell2 = deployment.cell_dbs["cell1"], deployment.cell_dbs["cell2"]
    add_compute_node(cell1, "host1")
    add_compute_node(cell1, "host2", "host2-node-a")
    add_compute_node(cell1, "host2", "host2-node-b")   # a host with two nodes
    add_compute_node(cell2, "host3")
    first = manage.cell_v2("discover_hosts")
    assert first.code == 0, first
    assert "Found 3 cell mappings." in first.out
    assert "Skipping cell0" in first.out
    assert "Found 3 unmapped computes in cell" in first.out
    assert "Mapped 3 new host(s)." in first.out
    ids = _cell_ids(deployment)
    assert _host_cells(deployment) == {"host1": ids["cell1"], "host2": ids["cell1"],
                                       "host3": ids["cell2"]}
    assert set(mapped_flags(cell1).values()) == {1}
    assert mapped_flags(cell2) == {"host3": 1}

    again = manage.cell_v2("discover_hosts")
    assert again.code == 0
    assert "Mapped 0 new host(s)." in again.out
    assert len(_host_cells(deployment)) == 3


def test_discover_hosts_verbose_names_every_host(manage, deployment):
    manage.setup_cells()
    node_uuid = add_compute_node(deployment.cell_dbs["cell1"], "host1")
    quiet = manage.cell_v2("discover_hosts")
    assert "host1" not in quiet.out
    add_compute_node(deployment.cell_dbs["cell1"], "host9")
    verbose = manage.cell_v2("discover_hosts", "--verbose")
    assert "Creating host mapping for compute host 'host9'" in verbose.out
    assert node_uuid not in verbose.out  # host1's node was already mapped


def test_discover_hosts_in_one_cell(manage, deployment):
    cells = manage.setup_cells()
    add_compute_node(deployment.cell_dbs["cell1"], "host1")
    add_compute_node(deployment.cell_dbs["cell2"], "host2")
    result = manage.cell_v2("discover_hosts", "--cell_uuid", cells["cell2"])
    assert result.code == 0
    assert set(_host_cells(deployment)) == {"host2"}


def test_discover_hosts_unknown_cell(manage):
    manage.setup_cells()
    result = manage.cell_v2("discover_hosts", "--cell_uuid", UNKNOWN)
    assert result.code == 1
    assert UNKNOWN in result.err


def test_discover_hosts_strict(manage, deployment):
    manage.setup_cells()
    assert manage.cell_v2("discover_hosts", "--strict").code == 1
    add_compute_node(deployment.cell_dbs["cell1"], "host1")
    assert manage.cell_v2("discover_hosts", "--strict").code == 0
    assert manage.cell_v2("discover_hosts", "--strict").code == 1


def test_discover_hosts_by_service(manage, deployment):
    manage.setup_cells()
    cell1 = deployment.cell_dbs["cell1"]
    add_service(cell1, "svc-host")                       # a compute with no node yet
    add_service(cell1, "conductor-host", "nova-conductor")
    add_compute_node(cell1, "node-only")                 # ignored --by-service
    result = manage.cell_v2("discover_hosts", "--by-service")
    assert result.code == 0, result
    assert "Found 1 compute services in cell" in result.out
    assert set(_host_cells(deployment)) == {"svc-host"}
    assert manage.cell_v2("discover_hosts", "--by_service").code == 0
    assert set(_host_cells(deployment)) == {"svc-host"}


def test_discover_hosts_reports_a_host_mapped_to_another_cell(manage, deployment):
    manage.setup_cells()
    add_compute_node(deployment.cell_dbs["cell1"], "twin")
    assert manage.cell_v2("discover_hosts").code == 0
    add_compute_node(deployment.cell_dbs["cell2"], "twin")
    result = manage.cell_v2("discover_hosts")
    assert result.code == 2
    assert "already mapped to cell 'cell1'" in result.out
    assert _host_cells(deployment) == {"twin": _cell_ids(deployment)["cell1"]}
    assert mapped_flags(deployment.cell_dbs["cell2"]) == {"twin": 0}


def test_discover_hosts_carries_on_past_a_dead_cell(manage, deployment):
    cells = manage.setup_cells()
    add_compute_node(deployment.cell_dbs["cell2"], "alive")
    deployment.api_db.write(lambda conn: conn.execute(
        sa.update(api_models.cell_mappings)
        .where(api_models.cell_mappings.c.uuid == cells["cell1"])
        .values(database_connection=DEAD_DATABASE)))
    result = manage.cell_v2("discover_hosts")
    assert result.code == 1
    assert "cannot read its database" in result.out
    assert set(_host_cells(deployment)) == {"alive"}


def test_list_hosts(manage, deployment):
    cells = manage.setup_cells()
    add_compute_node(deployment.cell_dbs["cell1"], "host-b")
    add_compute_node(deployment.cell_dbs["cell1"], "host-a")
    add_compute_node(deployment.cell_dbs["cell2"], "host-c")
    manage.cell_v2("discover_hosts")
    result = manage.cell_v2("list_hosts")
    assert result.code == 0
    table = [[c.strip() for c in line.strip("|").split("|")]
             for line in result.out.splitlines() if line.startswith("|")]
    assert table == [["Cell Name", "Cell UUID", "Hostname"],
                     ["cell1", cells["cell1"], "host-a"],
                     ["cell1", cells["cell1"], "host-b"],
                     ["cell2", cells["cell2"], "host-c"]]
    one = manage.cell_v2("list_hosts", "--cell_uuid", cells["cell2"])
    assert "host-c" in one.out and "host-a" not in one.out


def test_list_hosts_unknown_cell(manage):
    assert manage.cell_v2("list_hosts", "--cell_uuid", UNKNOWN).code == 1


def test_discovery_runs_racing_each_other(manage, deployment):
    manage.setup_cells()
    for i in range(30):
        add_compute_node(deployment.cell_dbs["cell1" if i % 2 else "cell2"], f"h{i:02d}")
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run():
        api_db, dbs = Database(deployment.api_url), CellDatabases()
        try:
            barrier.wait()
            found = hosts_admin.discover_hosts(api_db, dbs)
            assert not found.conflicts and not found.failed_cells
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            dbs.dispose()
            api_db.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_host_cells(deployment)) == 30
    for name in ("cell1", "cell2"):
        assert set(mapped_flags(deployment.cell_dbs[name]).values()) == {1}
