"""The cross-cell lister's pure parts: sort orders, comparison with NULLs,
the heap merge, and the keyset condition (checked against Python's order
on an in-memory SQLite table)."""
from __future__ import annotations

import datetime
import itertools
import random

import pytest
import sqlalchemy as sa

from nubes.cells import lister
from nubes.cells import sort_order as ordering
from nubes.cells.sort_order import ASC, DESC, SortKey


def T(minute: int) -> datetime.datetime:
    return datetime.datetime(2024, 1, 1, 12, minute)


def rec(uuid: str, **values) -> dict:
    return {"uuid": uuid, **values}


# --- sort_order ----------------------------------------------------------------------

def test_default_order_is_created_at_id_desc_then_uuid():
    assert ordering.sort_order().keys == (SortKey("created_at", DESC), SortKey("id", DESC),
                                        SortKey("uuid", ASC))


def test_one_direction_applies_to_every_key():
    order = ordering.sort_order(["display_name", "host"], ["asc"])
    assert order.keys == (SortKey("display_name", ASC), SortKey("host", ASC),
                          SortKey("uuid", ASC))


def test_missing_directions_default_to_desc_and_uuid_is_not_doubled():
    order = ordering.sort_order(["display_name", "host", "uuid"], ["asc", "asc"])
    assert order.keys == (SortKey("display_name", ASC), SortKey("host", ASC),
                          SortKey("uuid", DESC))


def test_direction_only_applies_to_default_keys():
    assert ordering.sort_order([], ["asc"]).keys[:2] == (SortKey("created_at", ASC),
                                                       SortKey("id", ASC))


def test_repeated_key_counts_once_and_too_many_dirs_is_an_error():
    assert ordering.sort_order(["host", "host"], ["asc", "desc"]).names == ("host", "uuid")
    with pytest.raises(ValueError):
        ordering.sort_order(["host"], ["asc", "desc"])


# --- comparison ---------------------------------------------------------------------------

def test_nulls_are_smallest_in_both_directions():
    up = ordering.sort_order(["host"], ["asc"])
    down = ordering.sort_order(["host"], ["desc"])
    records = [rec("a", host="h2"), rec("b", host=None), rec("c", host="h1")]
    assert [r["uuid"] for r in ordering.sort_records(records, up)] == ["b", "c", "a"]
    assert [r["uuid"] for r in ordering.sort_records(records, down)] == ["a", "c", "b"]


def test_uuid_breaks_ties_ascending():
    order = ordering.sort_order(["host"], ["desc"])
    records = [rec("b", host="h"), rec("a", host="h"), rec("c", host="h")]
    assert [r["uuid"] for r in ordering.sort_records(records, order)] == ["a", "b", "c"]


# --- merge -------------------------------------------------------------------------------------

def test_merge_interleaves_sorted_cells_and_stops_at_limit():
    order = ordering.sort_order(["created_at"], ["desc"])
    cell1 = [rec("a", created_at=T(9)), rec("c", created_at=T(5)), rec("e", created_at=T(1))]
    cell2 = [rec("b", created_at=T(8)), rec("d", created_at=T(4))]
    merged = lister.merge([cell1, cell2], order, 4)
    assert [r["uuid"] for r in merged] == ["a", "b", "c", "d"]
    assert [r["uuid"] for r in lister.merge([cell1, cell2], order)] == list("abcde")


def test_merge_drops_duplicates_and_already_seen():
    order = ordering.sort_order(["created_at"], ["asc"])
    cell1 = [rec("x", created_at=T(1)), rec("y", created_at=T(3))]
    cell2 = [rec("x", created_at=T(1)), rec("z", created_at=T(2))]
    seen = {"z"}
    assert [r["uuid"] for r in lister.merge([cell1, cell2], order, seen=seen)] == ["x", "y"]
    assert seen == {"x", "y", "z"}


def test_merge_of_nothing_and_zero_limit():
    order = ordering.sort_order()
    assert lister.merge([], order, 10) == []
    assert lister.merge([[rec("a", created_at=T(1), id=1)]], order, 0) == []


def _random_records(rng: random.Random, n: int, prefix: str) -> list[dict]:
    return [rec(f"{prefix}-{i:04d}", id=i, created_at=T(rng.randrange(5)),
                host=rng.choice([None, "h1", "h2", "h3"]), name=rng.choice(["a", "b", None]))
            for i in range(n)]


@pytest.mark.parametrize("keys,dirs", [
    ([], []), (["host"], ["asc"]), (["host"], ["desc"]), (["name", "created_at"], ["desc", "asc"]),
    (["created_at", "host", "name"], ["asc", "desc", "asc"]),
])
def test_paging_a_merge_with_markers_walks_everything_once(keys, dirs):
    rng = random.Random(7)
    order = ordering.sort_order(keys, dirs)
    cells = [ordering.sort_records(_random_records(rng, n, f"c{c}"), order)
             for c, n in enumerate((23, 0, 41, 7))]
    expected = ordering.sort_records(itertools.chain(*cells), order)
    walked, marker = [], None
    while True:
        per_cell = [ordering.after_values(c, order, marker)[:5] if marker else c[:5] for c in cells]
        page = lister.merge(per_cell, order, 5)
        if not page:
            break
        walked += page
        marker = order.values(page[-1])
    assert [r["uuid"] for r in walked] == [r["uuid"] for r in expected]


# --- SQL: order_by and after_condition agree with Python ---------------------------------------

@pytest.fixture(scope="module")
def table_conn():
    engine = sa.create_engine("sqlite://")
    md = sa.MetaData()
    table = sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("uuid", sa.String(36)), sa.Column("created_at", sa.DateTime),
                     sa.Column("host", sa.String(20)), sa.Column("name", sa.String(20)))
    md.create_all(engine)
    rows = _random_records(random.Random(3), 60, "r")
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    with engine.connect() as conn:
        yield conn, table, rows


@pytest.mark.parametrize("keys,dirs", [
    (["host"], ["asc"]), (["host"], ["desc"]), (["name", "host"], ["asc", "desc"]),
    ([], []), (["created_at", "name"], ["asc", "asc"]),
])
def test_sql_order_and_after_condition_match_python(table_conn, keys, dirs):
    conn, table, rows = table_conn
    order = ordering.sort_order(keys, dirs)
    columns = {c.name: c for c in table.c}
    expected = [r["uuid"] for r in ordering.sort_records(rows, order)]
    query = sa.select(table).order_by(*ordering.order_by(columns, order, "sqlite"))
    assert [r.uuid for r in conn.execute(query)] == expected
    for position in (0, 7, 30, 59):
        marker = order.values(ordering.sort_records(rows, order)[position])
        after = conn.execute(query.where(
            ordering.after_condition(columns, order, marker, "sqlite")))
        assert [r.uuid for r in after] == expected[position + 1:]


def test_after_condition_renders_for_every_backend():
    from sqlalchemy.dialects import mysql, postgresql
    table = sa.table("t", sa.column("host", sa.String()), sa.column("uuid", sa.String()))
    columns = {"host": table.c.host, "uuid": table.c.uuid}
    order = ordering.sort_order(["host"], ["desc"])
    pg = str(sa.select(table).where(ordering.after_condition(columns, order, ("h", "u"),
                                                           "postgresql"))
             .order_by(*ordering.order_by(columns, order, "postgresql"))
             .compile(dialect=postgresql.dialect()))
    assert 'COLLATE "C"' in pg and "NULLS LAST" in pg
    my = str(sa.select(table).order_by(*ordering.order_by(columns, order, "mysql"))
             .compile(dialect=mysql.dialect()))
    assert "utf8mb4_bin" in my and "NULLS" not in my


# --- list_instances: build requests first, markers ---------------------------------------


class _FakeRegistry:
    databases = None

    def __init__(self, cells):
        self._cells = cells

    def cells(self):
        return list(self._cells)


def test_build_request_marker_continues_with_cells_from_the_start(monkeypatch):
    order = ordering.sort_order()
    builds = [rec("b1", created_at=T(9), id=None), rec("b2", created_at=T(8), id=None)]
    cell_rows = [rec("i1", created_at=T(7), id=2, cell_uuid="c"),
                 rec("i2", created_at=T(6), id=1, cell_uuid="c")]
    calls = []

    def fake_list_sorted(ctx, registry, cells, query, order_, limit, timeout, seen):
        calls.append(limit)
        return lister.CellPages(lister.merge([cell_rows], order_, limit, seen=seen), [], [])

    monkeypatch.setattr(lister, "list_sorted", fake_list_sorted)
    source = lister.InstanceSource(build_requests=lambda: builds, cell_query=None,
                                   marker_in_cell=None, marker_cell=lambda u: None)
    page = lister.list_instances(None, _FakeRegistry(["c"]), source, order, 2, "b1")
    assert [r["uuid"] for r in page.records] == ["b2", "i1"]
    assert calls == [1]
    page = lister.list_instances(None, _FakeRegistry(["c"]), source, order, 1)
    assert [r["uuid"] for r in page.records] == ["b1"]
    with pytest.raises(lister.MarkerNotFound, match=r"marker \[nope\] not found"):
        lister.list_instances(None, _FakeRegistry(["c"]), source, order, 2, "nope")
