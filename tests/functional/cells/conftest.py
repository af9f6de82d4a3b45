"""Fixtures for cells tests: one migrated deployment per backend per session."""
from __future__ import annotations

import pytest

from nubes.cells.targeting import CellDatabases
from tests.fixtures import databases
from tests.functional.cells.deployment import Deployment, Manage


@pytest.fixture(scope="session", params=databases.backends())
def cells_deployment(request):
    deployment = Deployment(request.param)
    yield deployment
    deployment.drop()


@pytest.fixture
def deployment(cells_deployment) -> Deployment:
    cells_deployment.reset()
    return cells_deployment


@pytest.fixture
def manage(deployment, tmp_path, capsys) -> Manage:
    return Manage(deployment, tmp_path, capsys)


@pytest.fixture
def cell_databases():
    dbs = CellDatabases()
    yield dbs
    dbs.dispose()
