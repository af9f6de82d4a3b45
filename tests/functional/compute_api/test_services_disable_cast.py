"""Disabling a compute service through os-services reaches its host at once.

The compute API writes the service record, and after the commit casts
``set_host_enabled`` to the host on its cell's bus, so the host's provider
gets (or loses) ``COMPUTE_STATUS_DISABLED`` without waiting for the host's
next liveness report.  Here the host's reports and resource syncs are an
hour apart: only the cast can move the trait.  A host that is down, or a
cell bus that is down, never fails (nor holds up) the API call.

Each test runs its own compute API (its own cell buses, closed after) on the
session's multi-cell deployment, with cell1 on an in-process bus where a
real cell conductor and a real compute agent listen.
"""
from __future__ import annotations

import logging
import time
import uuid as uuidlib

import pytest

from nubes.api.compute import app as compute_app
from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import cell_mappings
from nubes.cells.targeting import CellDatabases
from nubes.common import config, rpc
from nubes.compute.agent import ComputeAgent
from nubes.conductor.cell.process import CellConductor
from nubes.placement.client import PlacementClient as TypedPlacementClient
from tests.fixtures.compute import ComputeClient
from tests.fixtures.servers import ThreadedServer

DISABLED = "COMPUTE_STATUS_DISABLED"
SLOW = {"report_interval": 3600, "update_resources_interval": 3600}


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def _set_transport_url(deployment, cell: str, url: str) -> None:
    cell_id = deployment.cells[cell].id
    deployment.api_db.write(lambda conn: cell_mappings.update(conn, cell_id,
                                                               transport_url=url))


@pytest.fixture
def cell_bus(cloud):
    """``cell_bus("cell1", url)`` points a cell's mapping at another bus for
    this test; the mappings are put back afterwards."""
    deployment = cloud.deployment
    changed: list[str] = []

    def point(cell: str, url: str) -> str:
        _set_transport_url(deployment, cell, url)
        changed.append(cell)
        return url

    yield point
    for cell in changed:
        _set_transport_url(deployment, cell, deployment.cells[cell].transport_url)


@pytest.fixture
def api(cloud, cells_deployment, placement_server):
    """A compute API of this test's own; ``yield (client, state)``.  Built
    lazily so that a test can point cells at their buses first."""
    made: list = []

    def build():
        conf = config.load(overrides={
            "api": {"auth_strategy": "noauth2"},
            "api_database": {"connection": cells_deployment.api_url},
            "placement_client": {"endpoint": placement_server.url, "token": "admin"},
            # A cell bus that is down is given up on quickly.
            "oslo_messaging_rabbit": {"publish_retry_timeout": 2.0,
                                      "rabbit_retry_interval": 0.1,
                                      "rabbit_interval_max": 0.3},
        })
        databases = CellDatabases()
        state = compute_app.build_state(conf, api_db=cells_deployment.api_db,
                                        databases=databases)
        server = ThreadedServer(compute_app.build(conf, state=state)).__enter__()
        made.append((server, state, databases))
        return ComputeClient(server.url), state

    yield build
    for server, state, databases in made:
        server.__exit__(None, None, None)
        state.buses.close()
        if state.placement is not None:
            state.placement.close()
        databases.dispose()


@pytest.fixture
def host(cloud, cell_bus, placement_server):
    """A real cell conductor and compute agent ``cast-host`` in cell1, on an
    in-process bus that cell1's mapping now names."""
    url = cell_bus("cell1", "memory://cast-" + uuidlib.uuid4().hex[:10])
    conf = config.load(overrides={
        "DEFAULT": dict(SLOW, transport_url=url),
        "placement_client": {"endpoint": placement_server.url, "token": "admin"},
    })
    transport = rpc.get_transport(url)
    placement = TypedPlacementClient(placement_server.url, token="admin")
    conductor = CellConductor(conf, cloud.deployment.cell_dbs["cell1"], transport,
                              host="cast-conductor")
    agent = ComputeAgent(conf, "cast-host", transport=transport, placement=placement)
    try:
        conductor.start()
        agent.start(conductor_wait=10)
        yield agent
    finally:
        agent.stop()
        conductor.stop()
        transport.close()
        placement.close()


def _traits(cloud, node_uuid: str) -> list[str]:
    resp = cloud.placement.get(f"/resource_providers/{node_uuid}/traits")
    assert resp.status == 200, resp
    return resp.json["traits"]


def _service_uuid(client: ComputeClient, host: str) -> str:
    resp = client.get("/os-services", params={"host": host, "binary": "nova-compute"})
    assert resp.status == 200, resp
    (service,) = resp.json["services"]
    return service["id"]


def test_disable_and_enable_reach_the_host_at_once(cloud, host, api):
    client, _state = api()
    node = host.status().nodes[0].uuid
    assert DISABLED not in _traits(cloud, node)
    uuid = _service_uuid(client, "cast-host")

    resp = client.put(f"/os-services/{uuid}", version="2.53",
                      json={"status": "disabled", "disabled_reason": "patching"})
    assert resp.status == 200, resp
    assert resp.json["service"]["status"] == "disabled"
    wait_for(lambda: DISABLED in _traits(cloud, node), what="the trait on the provider")
    assert host.status().disabled is True

    resp = client.put(f"/os-services/{uuid}", version="2.53", json={"status": "enabled"})
    assert resp.status == 200, resp
    wait_for(lambda: DISABLED not in _traits(cloud, node), what="the trait to go")
    assert host.status().disabled is False


def test_legacy_actions_cast_too(cloud, host, api):
    client, state = api()
    node = host.status().nodes[0].uuid
    body = {"host": "cast-host", "binary": "nova-compute"}
    resp = client.put("/os-services/disable-log-reason", version="2.1",
                      json={**body, "disabled_reason": "why"})
    assert resp.status == 200, resp
    wait_for(lambda: DISABLED in _traits(cloud, node), what="the trait on the provider")
    resp = client.put("/os-services/enable", version="2.1", json=body)
    assert resp.status == 200, resp
    wait_for(lambda: DISABLED not in _traits(cloud, node), what="the trait to go")

    # Forcing down changes nothing the host acts on: no cast, no trait.
    resp = client.put("/os-services/force-down", version="2.11",
                      json={**body, "forced_down": True})
    assert resp.status == 200, resp
    assert state.buses.wait_idle(10)
    assert DISABLED not in _traits(cloud, node)


def test_down_or_absent_hosts_do_not_fail_the_call(cloud, host, api, caplog):
    caplog.set_level(logging.INFO, logger="nubes.api.compute")
    d = cloud.deployment
    gone = d.add_compute_host("cell1", "gone", seen_ago=3600)   # down: no cast at all
    ghost = d.add_compute_host("cell1", "ghost")                 # up, but nobody listens
    client, state = api()

    for service in (gone, ghost):
        resp = client.put(f"/os-services/{service['uuid']}", version="2.53",
                          json={"status": "disabled"})
        assert resp.status == 200, resp
        assert resp.json["service"]["status"] == "disabled"
    assert state.buses.wait_idle(10)
    messages = [r.getMessage() for r in caplog.records]
    assert any("host gone is down" in m for m in messages), messages
    assert not any("to compute.gone" in m for m in messages), messages
    assert any("cast set_host_enabled to compute.ghost" in m and "failed" in m
               for m in messages), messages
    assert {r.host: r.disabled for r in d.live("cell1", cell_models.services)
            if r.binary == "nova-compute"} == {"gone": True, "ghost": True, "cast-host": False}


def test_a_cell_bus_that_is_down_does_not_hold_the_call(cloud, cell_bus, api, caplog):
    """Nothing listens on port 1: every publish is refused and retried for
    ``publish_retry_timeout`` seconds, after the API has answered."""
    caplog.set_level(logging.INFO, logger="nubes.api.compute")
    cell_bus("cell2", "rabbit://nubes:pw-dead-bus@127.0.0.1:1/dead-" + uuidlib.uuid4().hex[:6])
    service = cloud.deployment.add_compute_host("cell2", "h-dead")
    client, state = api()

    resp = client.put(f"/os-services/{service['uuid']}", version="2.53",
                      json={"status": "disabled"})
    answered = time.time()
    assert resp.status == 200, resp
    assert state.buses.wait_idle(15)
    failures = [r for r in caplog.records
                if "cast set_host_enabled to compute.h-dead" in r.getMessage()]
    assert failures and failures[0].levelno == logging.WARNING, caplog.text
    assert failures[0].created > answered      # given up on after the answer
    assert "pw-dead-bus" not in caplog.text
