"""A small cloud for compute tests: the cells of a test deployment, a bus per
cell, a cell conductor per cell, and compute agents, all in this process
(except what tests start as processes themselves).

Agents are configured like ``nubes-compute`` would be: ``[placement_client]``
points at the test's placement server, and the cells' transport URLs are
the buses the agents and conductors use.
"""
from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any, Callable

import sqlalchemy as sa

from nubes.cells.admin import cells as cells_admin
from nubes.cells.admin import hosts as hosts_admin
from nubes.cells.cell_db import models as cell_models
from nubes.cells.targeting import CellDatabases
from nubes.common import config, rpc
from nubes.common.rpc.transport import TransportOptions
from nubes.compute.agent import ComputeAgent
from nubes.conductor.cell.process import CellConductor
from nubes.placement.client import PlacementClient

# Fast reports so liveness tests take a second, not a minute; the periodic
# resource sync is left slow: tests run it when they want it.
FAST = {"report_interval": 0.2, "update_resources_interval": 3600}
RABBIT_OPTIONS = TransportOptions(heartbeat=10, connect_timeout=3.0, retry_interval=0.2,
                                  retry_step=0.3, retry_max_interval=1.0,
                                  publish_timeout=15.0, queue_ttl=600, pool_size=4)


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05,
             what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Cloud:
    def __init__(self, deployment, placement_url: str, *,
                 bus_urls: dict[str, str] | None = None):
        self.deployment = deployment
        self.placement_url = placement_url
        tag = uuidlib.uuid4().hex[:8]
        self.bus_urls = bus_urls or {name: f"memory://{name}-{tag}"
                                     for name in ("cell1", "cell2")}
        self.databases = CellDatabases()
        api_db = deployment.api_db
        cells_admin.map_cell0(api_db, deployment.cell_urls["cell0"])
        self.cells = {name: cells_admin.create_cell(
                          api_db, name=name, transport_url=url,
                          database_connection=deployment.cell_urls[name], verify=False)
                      for name, url in self.bus_urls.items()}
        self._transports: dict[str, rpc.Transport] = {}
        self._conductors: list[CellConductor] = []
        self.agents: list[ComputeAgent] = []
        self.placement = PlacementClient(placement_url, token="admin")

    # --- configuration -------------------------------------------------------------

    def conf(self, cell: str = "cell1", **groups: dict[str, Any]):
        values: dict[str, dict[str, Any]] = {
            "DEFAULT": dict(FAST, transport_url=self.bus_urls[cell]),
            "placement_client": {"endpoint": self.placement_url, "token": "admin"},
            "database": {"connection": self.deployment.cell_urls[cell]},
        }
        for group, options in groups.items():
            values.setdefault(group, {}).update(options)
        return config.load(overrides=values)

    def transport(self, cell: str) -> rpc.Transport:
        if cell not in self._transports:
            url = self.bus_urls[cell]
            options = RABBIT_OPTIONS if url.startswith("rabbit") else None
            self._transports[cell] = rpc.get_transport(url, options)
        return self._transports[cell]

    def cell_db(self, cell: str):
        return self.deployment.cell_dbs[cell]

    # --- services ----------------------------------------------------------------------

    def start_conductor(self, cell: str = "cell1", host: str | None = None) -> CellConductor:
        conductor = CellConductor(self.conf(cell), self.cell_db(cell), self.transport(cell),
                                  host=host or f"{cell}-conductor")
        self._conductors.append(conductor.start())
        return conductor

    def agent(self, host: str, cell: str = "cell1", **groups: dict[str, Any]) -> ComputeAgent:
        """An agent, not started (tests may reach into its driver first)."""
        agent = ComputeAgent(self.conf(cell, **groups), host, transport=self.transport(cell),
                             placement=self.placement)
        self.agents.append(agent)
        return agent

    def start_agent(self, host: str, cell: str = "cell1", **groups) -> ComputeAgent:
        return self.agent(host, cell, **groups).start(conductor_wait=10)

    def close(self) -> None:
        for agent in self.agents:
            agent.stop()
        for conductor in self._conductors:
            conductor.stop()
        for transport in self._transports.values():
            transport.close()
        self.placement.close()
        self.databases.dispose()

    # --- looking at the results ----------------------------------------------------------

    def services(self, cell: str = "cell1", binary: str = "nova-compute") -> dict[str, sa.Row]:
        table = cell_models.services
        return {row.host: row for row in self.cell_db(cell).read(lambda conn: list(
            conn.execute(sa.select(table).where(table.c.binary == binary,
                                                table.c.deleted == 0))))}

    def nodes(self, cell: str = "cell1") -> dict[str, sa.Row]:
        table = cell_models.compute_nodes
        return {row.hypervisor_hostname: row for row in self.cell_db(cell).read(
            lambda conn: list(conn.execute(sa.select(table).where(table.c.deleted == 0))))}

    def set_disabled(self, host: str, disabled: bool, cell: str = "cell1") -> None:
        """What the compute API does to a service record."""
        table = cell_models.services
        self.cell_db(cell).write(lambda conn: conn.execute(
            sa.update(table).where(table.c.host == host, table.c.binary == "nova-compute")
            .values(disabled=disabled, disabled_reason="test" if disabled else None)))

    def discover_hosts(self, *, by_service: bool = False):
        return hosts_admin.discover_hosts(self.deployment.api_db, self.databases,
                                          by_service=by_service)

    def host_mappings(self) -> dict[str, str]:
        return {m.host: m.cell_name for m in hosts_admin.list_hosts(self.deployment.api_db)}
