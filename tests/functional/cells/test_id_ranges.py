"""Each cell numbers its services and compute nodes in the id range of its
mapping (nubes.cells.id_ranges): set by ``cell_v2 create_cell`` when the
schema exists, else by the cell's ``db sync``; rows numbered before keep
their ids.  Fresh databases per test, so mapping ids start at 1."""
from __future__ import annotations

import pytest

from nubes.cells import id_ranges, schema_sync
from nubes.cells.repo import cell_mappings, services
from nubes.cmd import manage
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from tests.fixtures import databases


@pytest.fixture(params=databases.backends())
def fresh(request):
    made = {name: databases.TemporaryDatabase(request.param)
            for name in ("api", "cell0", "cell1", "cell2")}
    dbs = {name: Database(tmp.url) for name, tmp in made.items()}
    yield dbs
    for db in dbs.values():
        db.dispose()
    for tmp in made.values():
        tmp.drop()


def _run(tmp_path, capsys, dbs, cell: str | None, *argv: str):
    lines = ["[DEFAULT]", f"transport_url = rabbit://u:p@mq:5672/{cell or 'x'}",
             "[api_database]", f"connection = {dbs['api'].url}"]
    if cell:
        lines += ["[database]", f"connection = {dbs[cell].url}"]
    path = tmp_path / "nubes.conf"
    path.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    code = manage.main(["--config-file", str(path), *argv])
    out = capsys.readouterr()
    assert code == 0, out
    return out


def _register(db: Database, host: str) -> int:
    def work(conn):
        services.insert_if_missing(conn, host=host, binary="nova-compute", topic="compute",
                                   version=1, now=utcnow())
        return services.find_live(conn, host, "nova-compute").id
    return db.write(work)


def _mapping_id(dbs, cell: str) -> int:
    return next(c.id for c in dbs["api"].read(cell_mappings.list_all) if c.name == cell)


def test_create_cell_or_db_sync_number_each_cell_in_its_range(fresh, tmp_path, capsys):
    _run(tmp_path, capsys, fresh, None, "api_db", "sync")
    _run(tmp_path, capsys, fresh, None, "cell_v2", "map_cell0", "--database_connection",
         fresh["cell0"].url)
    # cell1: mapped before its schema exists; db sync sets the range.
    _run(tmp_path, capsys, fresh, "cell1", "cell_v2", "create_cell", "--name", "cell1")
    _run(tmp_path, capsys, fresh, "cell1", "db", "sync", "--local_cell")
    # cell2: schema first (no mapping yet: no range), then create_cell sets it.
    _run(tmp_path, capsys, fresh, "cell2", "db", "sync", "--local_cell")
    _run(tmp_path, capsys, fresh, "cell2", "cell_v2", "create_cell", "--name", "cell2")
    ids = {cell: _register(fresh[cell], f"{cell}-host") for cell in ("cell1", "cell2")}
    for cell, object_id in ids.items():
        assert object_id == id_ranges.id_range(_mapping_id(fresh, cell)).start
    assert len(set(ids.values())) == 2
    # Again: idempotent, the counters stay where they are.
    _run(tmp_path, capsys, fresh, "cell1", "db", "sync", "--local_cell")
    assert _register(fresh["cell1"], "again") == ids["cell1"] + 1


def test_an_existing_cell_keeps_its_old_ids_and_numbers_new_rows_in_range(fresh, tmp_path,
                                                                          capsys):
    _run(tmp_path, capsys, fresh, None, "api_db", "sync")
    schema_sync.upgrade_cell(fresh["cell1"])
    old = _register(fresh["cell1"], "old")
    assert old < id_ranges.RANGE_SIZE
    fresh["api"].write(lambda conn: cell_mappings.create(
        conn, uuid="c1c1c1c1-0000-4000-8000-000000000001", name="cell1",
        transport_url="rabbit://u:p@mq:5672/cell1", database_connection=fresh["cell1"].url))
    _run(tmp_path, capsys, fresh, "cell1", "db", "sync", "--local_cell")
    assert fresh["cell1"].read(lambda conn: services.find_live(conn, "old",
                                                                "nova-compute")).id == old
    assert _register(fresh["cell1"], "new") == id_ranges.id_range(
        _mapping_id(fresh, "cell1")).start
