"""Fixtures for compute tests: a cells deployment on the same backend as the
session's placement database, and a :class:`Cloud` per test."""
from __future__ import annotations

import pytest

from tests.functional.cells.deployment import Deployment
from tests.functional.compute.cloud import Cloud

_deployments: dict[str, Deployment] = {}


@pytest.fixture(scope="session")
def compute_deployments():
    yield _deployments
    for deployment in _deployments.values():
        deployment.drop()
    _deployments.clear()


@pytest.fixture
def deployment(placement_database, compute_deployments) -> Deployment:
    backend = placement_database.backend
    backend = "mysql" if backend in ("mysql", "mariadb") else backend
    if backend not in compute_deployments:
        compute_deployments[backend] = Deployment(backend)
    compute_deployments[backend].reset()
    return compute_deployments[backend]


@pytest.fixture
def cloud(deployment, placement, placement_server):
    cloud = Cloud(deployment, placement_server.url)
    yield cloud
    cloud.close()
