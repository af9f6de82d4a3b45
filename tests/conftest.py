"""Fixtures shared by the whole suite.

``placement`` is a client speaking real HTTP to a placement app served by
waitress on a real database.  Functional tests run once per backend in
``tests.fixtures.databases.backends()``.
"""
from __future__ import annotations

import pytest

from nubes.common import config
from nubes.common.db.transaction import Database
from nubes.placement import app as placement_app
from nubes.placement import schema_sync
from tests.fixtures import databases
from tests.fixtures.placement import PlacementClient, reset
from tests.fixtures.servers import ThreadedServer


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

