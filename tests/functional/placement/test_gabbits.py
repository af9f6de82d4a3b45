"""Runs the YAML HTTP stories in ``gabbits/`` against a real server.

One waitress server on a SQLite database serves every story; the
``CleanDatabase`` fixture empties it at the start of each.  (The pytest
suites beside this file cover MariaDB and PostgreSQL.)

Each story is one pytest test that runs gabbi's own unittest suite and
fails with gabbi's report of the first broken step.  (gabbi's pytest
plugin is not used: it claims every test whose id contains a ':'.)
"""
from __future__ import annotations

import io
import os
import unittest

import pytest
from gabbi import driver

from nubes.common.db.transaction import Database
from nubes.placement import app as placement_app
from nubes.placement import schema_sync
from tests.conftest import placement_conf
from tests.fixtures.databases import TemporaryDatabase
from tests.fixtures.servers import ThreadedServer
from tests.functional.placement import gabbi_fixtures

GABBITS = os.path.join(os.path.dirname(__file__), "gabbits")
STORIES = sorted(name[:-5] for name in os.listdir(GABBITS) if name.endswith(".yaml"))


@pytest.fixture(scope="module")
def stories():
    """Story name -> gabbi suite, all pointed at one live server."""
    tmp = TemporaryDatabase("sqlite")
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    gabbi_fixtures.ENGINE = db.engine
    with ThreadedServer(placement_app.build(placement_conf(tmp.url), db)) as server:
        suites = driver.build_tests(GABBITS, unittest.TestLoader(), host="127.0.0.1",
                                    port=server.port, fixture_module=gabbi_fixtures,
                                    test_loader_name="placement")
        by_story = {}
        for suite in suites:
            first = next(iter(suite))
            story = next(s for s in STORIES if type(first).__name__.startswith(s + "_"))
            by_story[story] = suite
        yield by_story
    db.dispose()
    tmp.drop()


@pytest.mark.parametrize("story", STORIES)
def test_story(stories, story):
    report = io.StringIO()
    result = unittest.TextTestRunner(stream=report, verbosity=2).run(stories[story])
    assert result.testsRun > 0
    assert result.wasSuccessful(), report.getvalue()
