"""Fixtures shared by the whole suite.

``placement`` is a client speaking real HTTP to a placement app served by
waitress on a real database.  Functional tests run once per backend in
``tests.fixtures.databases.backends()``.
"""
from __future__ import annotations

import weakref

import pytest
import sqlalchemy as sa

from nubes.common import config
from nubes.common.db.transaction import Database
from nubes.placement import app as placement_app
from nubes.placement import schema_sync
from tests.fixtures import databases
from tests.fixtures.placement import PlacementClient, reset
from tests.fixtures.servers import ThreadedServer


# Every engine that ever connected, so that idle pooled connections to the
# database servers can be closed between modules: session-scoped databases
# (and their pools, up to 30 connections each) would otherwise pile up over
# a serial run until PostgreSQL refuses clients (max_connections 100).
_ENGINES: "weakref.WeakSet[sa.Engine]" = weakref.WeakSet()


@sa.event.listens_for(sa.Engine, "engine_connect")
def _remember_engine(connection) -> None:
    _ENGINES.add(connection.engine)


@pytest.fixture(scope="module", autouse=True)
def _close_idle_server_connections():
    """After each module, close the idle pooled connections to MariaDB and
    PostgreSQL (a checked-out connection is left alone; pools refill on
    demand).  SQLite pools are kept: an in-memory database lives in its."""
    yield
    for engine in list(_ENGINES):
        if engine.dialect.name != "sqlite":
            engine.dispose()


def placement_conf(url: str, **overrides):
    groups = {"api": {"auth_strategy": "noauth2"},
              "placement_database": {"connection": url}}
    for group, values in overrides.items():
        groups.setdefault(group, {}).update(values)
    return config.load(overrides=groups)


@pytest.fixture(scope="session", params=databases.backends())
def placement_database(request):
    """A migrated placement database on one backend, for the whole session."""
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    yield db
    db.dispose()
    tmp.drop()


@pytest.fixture(scope="session")
def placement_server(placement_database):
    conf = placement_conf(placement_database.url)
    app = placement_app.build(conf, placement_database)
    with ThreadedServer(app) as server:
        yield server


@pytest.fixture
def placement(placement_server, placement_database) -> PlacementClient:
    reset(placement_database.engine)
    return PlacementClient(placement_server.url)

