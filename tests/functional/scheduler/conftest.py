"""A real placement server, a multi-cell deployment (API database, cell0,
cell1, cell2) on the same backend, and schedulers built on both.

Compute hosts are arranged as the compute agents and ``discover_hosts``
leave them: a ``nova-compute`` service row and a compute node row in the
cell, a host mapping in the API database, and a root resource provider
in placement whose uuid is the compute node's.
"""
from __future__ import annotations

import dataclasses
import uuid as uuidlib

import pytest

from nubes.cells.repo import aggregates as aggregate_repo
from nubes.cells.targeting import CellDatabases, CellRegistry
from nubes.common import config
from nubes.placement.client import PlacementClient as TypedPlacementClient
from nubes.scheduler.host_state import HostCatalog
from nubes.scheduler.service import SchedulerService
from tests.fixtures.cells import CellsDeployment
from tests.fixtures.placement import PlacementClient

FLAVOR_REQ = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


@pytest.fixture(scope="session")
def scheduler_cells(placement_database):
    deployment = CellsDeployment(placement_database.backend)
    yield deployment
    deployment.drop()


@dataclasses.dataclass
class Host:
    name: str
    cell: str
    node_uuids: list[str]

    @property
    def uuid(self) -> str:
        return self.node_uuids[0]


class SchedulingCloud:
    def __init__(self, deployment: CellsDeployment, placement: PlacementClient):
        self.deployment = deployment
        self.placement = placement
        self.databases = CellDatabases()
        self.conf = self.make_conf()
        self._clients: list[TypedPlacementClient] = []
        self.hosts: dict[str, Host] = {}

    def make_conf(self, **scheduler):
        groups = {"api_database": {"connection": self.deployment.api_url},
                  "placement_client": {"endpoint": self.placement.base_url,
                                       "token": "admin"},
                  "scheduler": {"host_state_cache_ttl": 0.0, **scheduler}}
        return config.load(overrides=groups)

    def typed_placement(self, cls=TypedPlacementClient) -> TypedPlacementClient:
        client = cls(self.placement.base_url, token="admin")
        self._clients.append(client)
        return client

    def scheduler(self, placement: TypedPlacementClient | None = None,
                  **scheduler_opts) -> SchedulerService:
        """A scheduler of its own (own caches and placement client), as if
        it ran in another process."""
        conf = self.make_conf(**scheduler_opts) if scheduler_opts else self.conf
        registry = CellRegistry(self.deployment.api_db, self.databases)
        return SchedulerService(conf, HostCatalog(conf, registry),
                                placement or self.typed_placement(),
                                sleep=lambda s: None)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self.databases.dispose()

    # --- arranging ------------------------------------------------------------------

    def add_host(self, name: str, cell: str = "cell1", *, vcpus: int = 4,
                 memory_mb: int = 4096, disk_gb: int = 40, traits: tuple = (),
                 aggregates: tuple = (), nodes: list[str] | None = None,
                 inventory: dict | None = None, mapped: bool = True,
                 **service_kw) -> Host:
        d = self.deployment
        d.add_service(cell, name, **service_kw)
        node_uuids = []
        for node in nodes or [name]:
            node_uuid = d.add_compute_node(cell, name, node)
            self.placement.create_provider(node, uuid=node_uuid)
            self.placement.set_inventory(node_uuid, inventory or {
                "VCPU": vcpus, "MEMORY_MB": memory_mb, "DISK_GB": disk_gb})
            if traits:
                self.set_traits(node_uuid, ["COMPUTE_NODE", *traits])
            if aggregates:
                self.set_aggregates(node_uuid, list(aggregates))
            node_uuids.append(node_uuid)
        if mapped:
            d.map_host(cell, name)
        host = self.hosts[name] = Host(name, cell, node_uuids)
        return host

    def _generation(self, rp: str) -> int:
        return self.placement.get(f"/resource_providers/{rp}", version="1.39").json[
            "generation"]

    def set_traits(self, rp: str, traits: list[str]) -> None:
        for trait in traits:
            if trait.startswith("CUSTOM_"):
                self.placement.put(f"/traits/{trait}", version="1.39")
        resp = self.placement.put(f"/resource_providers/{rp}/traits", version="1.39", json={
            "traits": traits, "resource_provider_generation": self._generation(rp)})
        assert resp.status == 200, resp

    def set_aggregates(self, rp: str, aggregates: list[str]) -> None:
        resp = self.placement.put(f"/resource_providers/{rp}/aggregates", version="1.39",
                                  json={"aggregates": aggregates,
                                        "resource_provider_generation":
                                            self._generation(rp)})
        assert resp.status == 200, resp

    def add_zone(self, zone: str, hosts: list[str]) -> str:
        """A host aggregate naming ``zone`` (API database) mirrored into
        placement with the same uuid, as the compute API does."""
        agg_uuid = str(uuidlib.uuid4())

        def work(conn):
            agg_id = aggregate_repo.create(conn, uuid=agg_uuid, name=f"agg-{zone}",
                                           metadata={"availability_zone": zone})
            for host in hosts:
                aggregate_repo.add_host(conn, agg_id, host)
        self.deployment.api_db.write(work)
        for host in hosts:
            for rp in self.hosts[host].node_uuids:
                current = self.placement.get(f"/resource_providers/{rp}/aggregates",
                                             version="1.39").json["aggregates"]
                self.set_aggregates(rp, current + [agg_uuid])
        return agg_uuid

    # --- reading back ------------------------------------------------------------------

    def allocations(self, consumer: str) -> dict:
        resp = self.placement.get(f"/allocations/{consumer}", version="1.38")
        assert resp.status == 200, resp
        return resp.json

    def usages(self, rp: str) -> dict:
        return self.placement.get(f"/resource_providers/{rp}/usages",
                                  version="1.39").json["usages"]

    def host_of(self, rp: str) -> str:
        for host in self.hosts.values():
            if rp in host.node_uuids:
                return host.name
        raise KeyError(rp)


@pytest.fixture
def cloud(scheduler_cells, placement) -> SchedulingCloud:
    scheduler_cells.reset()
    cloud = SchedulingCloud(scheduler_cells, placement)
    yield cloud
    cloud.close()
