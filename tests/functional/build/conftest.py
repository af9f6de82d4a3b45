"""Fixtures for the build and delete flows: real placement, a two-cell
deployment (plus cell0), the in-process bus, real cell conductors and
compute agents with the fake driver, a scheduler and a super-conductor."""
from __future__ import annotations

import pytest

from tests.functional.build.harness import BuildCloud
from tests.functional.cells.deployment import Deployment
from tests.functional.compute.cloud import Cloud

_deployments: dict[str, Deployment] = {}


@pytest.fixture(scope="session")
def build_deployments():
    yield _deployments
    for deployment in _deployments.values():
        deployment.drop()
    _deployments.clear()


@pytest.fixture
def build_cloud(placement_database, build_deployments, placement, placement_server):
    backend = placement_database.backend
    backend = "mysql" if backend in ("mysql", "mariadb") else backend
    if backend not in build_deployments:
        build_deployments[backend] = Deployment(backend)
    deployment = build_deployments[backend]
    deployment.reset()
    cloud = Cloud(deployment, placement_server.url)
    build = BuildCloud(cloud, placement_server.url)
    yield build
    build.close()
    cloud.close()
