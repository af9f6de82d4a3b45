"""scatter_gather with plain functions: results, sentinels, timeouts."""
from __future__ import annotations

import pickle
import threading
import time

import pytest

from nubes.cells import scatter_gather as sg
from nubes.cells.records import CellMapping
from nubes.cells.targeting import CellDatabases, cell_of
from nubes.common.context import RequestContext


def _cells(n: int) -> list[CellMapping]:
    return [CellMapping(id=i, uuid=f"{i:08d}-0000-0000-0000-000000000000", name=f"c{i}",
                        transport_url=f"rabbit://h/c{i}",
                        database_connection="sqlite://") for i in range(n)]


@pytest.fixture
def dbs():
    made = CellDatabases()
    yield made
    made.dispose()


def test_every_cell_answers(dbs):
    cells = _cells(3)
    results = sg.scatter_gather(RequestContext.admin(), cells,
                                lambda cctx: cell_of(cctx).mapping.name, databases=dbs)
    assert results == {c.uuid: c.name for c in cells}


def test_exceptions_become_raised(dbs):
    boom = ValueError("boom")

    def work(cctx):
        if cell_of(cctx).mapping.name == "c1":
            raise boom
        return "ok"

    results = sg.scatter_gather(RequestContext.admin(), _cells(2), work, databases=dbs)
    assert results[_cells(2)[0].uuid] == "ok"
    assert results[_cells(2)[1].uuid] == sg.raised(boom)
    assert repr(results[_cells(2)[1].uuid]) == "raised(ValueError('boom'))"


def test_even_base_exceptions_are_contained(dbs):
    def work(cctx):
        raise KeyboardInterrupt()

    result = sg.scatter_gather(RequestContext.admin(), _cells(1), work, databases=dbs)
    assert isinstance(next(iter(result.values())).exc, KeyboardInterrupt)


def test_a_hung_cell_is_did_not_respond_within_the_timeout(dbs):
    release = threading.Event()

    def work(cctx):
        if cell_of(cctx).mapping.name == "c0":
            release.wait(10)
            return "late"
        return "on time"

    started = time.monotonic()
    results = sg.scatter_gather(RequestContext.admin(), _cells(3), work, timeout=0.3,
                                databases=dbs)
    elapsed = time.monotonic() - started
    release.set()
    assert 0.25 < elapsed < 2
    assert list(results.values()) == [sg.did_not_respond, "on time", "on time"]
    assert repr(sg.did_not_respond) == "did_not_respond"


def test_no_cells_returns_at_once(dbs):
    assert sg.scatter_gather(RequestContext.admin(), [], lambda c: 1, databases=dbs) == {}


def test_sentinels():
    assert sg.is_failure(sg.did_not_respond)
    assert sg.is_failure(sg.raised(RuntimeError()))
    assert not sg.is_failure(None) and not sg.is_failure(0) and not sg.is_failure([])
    assert pickle.loads(pickle.dumps(sg.did_not_respond)) is sg.did_not_respond
