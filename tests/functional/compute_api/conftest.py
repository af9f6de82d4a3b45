"""The compute API over real HTTP on a real multi-cell deployment (API
database, cell0, cell1, cell2) with placement served too, once per
backend: the deployment follows the backend of the session's placement
database, so each backend runs once."""
from __future__ import annotations

import dataclasses

import pytest

from nubes.api.compute import app as compute_app
from nubes.api.compute.state import ComputeState
from nubes.cells.targeting import CellDatabases
from nubes.common import config
from nubes.placement.client import PlacementClient as TypedPlacementClient
from tests.fixtures.cells import CellsDeployment
from tests.fixtures.compute import ComputeClient
from tests.fixtures.placement import PlacementClient
from tests.fixtures.servers import ThreadedServer


def compute_conf(deployment: CellsDeployment, placement_url: str | None, **overrides):
    groups: dict = {"api": {"auth_strategy": "noauth2"},
                    "api_database": {"connection": deployment.api_url}}
    if placement_url:
        groups["placement_client"] = {"endpoint": placement_url, "token": "admin"}
    for group, values in overrides.items():
        groups.setdefault(group, {}).update(values)
    return config.load(overrides=groups)


@pytest.fixture(scope="session")
def cells_deployment(placement_database):
    deployment = CellsDeployment(placement_database.backend)
    yield deployment
    deployment.drop()


@pytest.fixture(scope="session")
def compute_server(cells_deployment, placement_server):
    conf = compute_conf(cells_deployment, placement_server.url)
    databases = CellDatabases()
    state = compute_app.build_state(conf, api_db=cells_deployment.api_db, databases=databases)
    with ThreadedServer(compute_app.build(conf, state=state)) as server:
        yield server, state
    state.placement.close()
    databases.dispose()


@dataclasses.dataclass
class Cloud:
    api: ComputeClient
    placement: PlacementClient
    deployment: CellsDeployment
    state: ComputeState
    url: str

    def refresh_cells(self) -> None:
        """Make the API see cell mappings added by the test."""
        self.state.cells.refresh()

    def typed_placement(self) -> TypedPlacementClient:
        return TypedPlacementClient(self.placement.base_url, token="admin")


@pytest.fixture
def cloud(compute_server, cells_deployment, placement) -> Cloud:
    server, state = compute_server
    cells_deployment.reset()
    state.cells.refresh()
    return Cloud(api=ComputeClient(server.url), placement=placement,
                 deployment=cells_deployment, state=state, url=server.url)
