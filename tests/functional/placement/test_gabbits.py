"""Runs the YAML HTTP stories in ``gabbits/`` against a real server.

One waitress server on a SQLite database serves every story; the
``CleanDatabase`` fixture empties it at the start of each.  (The pytest
suites beside this file cover MariaDB and PostgreSQL.)
"""
from __future__ import annotations

import atexit
import os

from gabbi import driver
from gabbi.driver import test_pytest  # noqa: F401  (the function gabbi parametrizes)

from nubes.common.db.transaction import Database
from nubes.placement import app as placement_app
from nubes.placement import schema_sync
from tests.conftest import placement_conf
from tests.fixtures.databases import TemporaryDatabase
from tests.fixtures.servers import ThreadedServer
from tests.functional.placement import gabbi_fixtures

GABBITS = os.path.join(os.path.dirname(__file__), "gabbits")


def _start_server() -> ThreadedServer:
    tmp = TemporaryDatabase("sqlite")
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    server = ThreadedServer(placement_app.build(placement_conf(tmp.url), db)).__enter__()
    gabbi_fixtures.ENGINE = db.engine

    def stop():
        server.__exit__(None, None, None)
        db.dispose()
        tmp.drop()
    atexit.register(stop)
    return server


_SERVER = _start_server()


def pytest_generate_tests(metafunc):
    driver.py_test_generator(GABBITS, host="127.0.0.1", port=_SERVER.port,
                             fixture_module=gabbi_fixtures, metafunc=metafunc,
                             test_loader_name=__name__)
