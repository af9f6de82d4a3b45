"""A cloud that builds servers: the compute tests' cells, buses, cell
conductors and agents, plus a scheduler and a super-conductor on an
API-level in-process bus, and helpers that write what the compute API
writes (build request, request spec, instance mapping) before casting to
the super-conductor."""
from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests
from nubes.common import config, rpc
from nubes.common.context import RequestContext
from nubes.api.compute import app as compute_app
from nubes.cells.buses import CellBuses
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.process import SuperConductor
from nubes.conductor.super.rpcapi import SuperConductorAPI
from nubes.scheduler.messages import Flavor, RequestSpec
from nubes.scheduler.process import Scheduler
from tests.functional.compute.cloud import FAST, Cloud, wait_for

CELLS = ("cell0", "cell1", "cell2")


def spec(vcpus: int = 1, memory_mb: int = 512, root_gb: int = 1, **kw) -> RequestSpec:
    return RequestSpec(flavor=Flavor(vcpus=vcpus, memory_mb=memory_mb, root_gb=root_gb,
                                     name="m1.test", flavorid="test"),
                       project_id=kw.pop("project_id", "p1"),
                       user_id=kw.pop("user_id", "u1"), **kw)


class BuildCloud:
    def __init__(self, cloud: Cloud, placement_url: str, *, max_attempts: int = 3):
        self.cloud = cloud
        self.deployment = cloud.deployment
        self.api_url = f"memory://api-{uuidlib.uuid4().hex[:8]}"
        self.conf = config.load(overrides={
            "DEFAULT": dict(FAST, transport_url=self.api_url),
            "api_database": {"connection": self.deployment.api_url},
            "placement_client": {"endpoint": placement_url, "token": "admin"},
            "scheduler": {"host_state_cache_ttl": 0.0, "max_attempts": max_attempts},
            # Counted quotas unlimited unless a test writes project quota rows
            # (test_quota_recheck): the race tests build 60 servers in p1.
            "quota": {"instances": -1, "cores": -1, "ram": -1}})
        self.transport = rpc.get_transport(self.api_url)
        api_db = self.deployment.api_db
        self.scheduler = Scheduler(self.conf, api_db, self.transport,
                                   placement=cloud.placement, databases=cloud.databases,
                                   host="scheduler-1").start()
        self.super_conductor = SuperConductor(self.conf, api_db, self.transport,
                                              placement=cloud.placement,
                                              databases=cloud.databases,
                                              host="super-conductor-1").start()
        self.buses = CellBuses(self.conf)
        # What the super-conductor's tasks reach (tests run them directly).
        self.api = ApiLevel.build(self.conf, api_db, databases=cloud.databases,
                                  placement=cloud.placement, buses=self.buses)
        # What the compute API holds: deletes and power actions run with it.
        self.compute = compute_app.build_state(self.conf, api_db=api_db,
                                               databases=cloud.databases,
                                               placement=cloud.placement, buses=self.buses)
        self.super_api = SuperConductorAPI(self.transport)

    def close(self) -> None:
        self.super_conductor.stop()
        self.scheduler.stop()
        self.buses.close()
        if self.compute.api_transport is not None:
            self.compute.api_transport.close()
        self.transport.close()

    # --- arranging ---------------------------------------------------------------------

    def start_hosts(self, hosts: dict[str, str], *, vcpus: int = 16,
                    memory_mb: int = 32768, local_gb: int = 500) -> dict:
        """{host: cell}: start a conductor per cell, the agents, and map them."""
        for cell in sorted(set(hosts.values())):
            self.cloud.start_conductor(cell)
        agents = {}
        for host, cell in hosts.items():
            agents[host] = self.cloud.start_agent(
                host, cell, DEFAULT={"cpu_allocation_ratio": 1.0},
                fake_driver={"vcpus": vcpus, "memory_mb": memory_mb, "local_gb": local_gb})
        self.cloud.discover_hosts()
        return agents

    # --- what the compute API does -------------------------------------------------------

    def context(self, request_id: str | None = None) -> RequestContext:
        ctx = RequestContext(user_id="u1", project_id="p1", roles=("member",))
        if request_id:
            ctx.request_id = request_id
        return ctx

    def write_build_requests(self, request_spec: RequestSpec, count: int = 1,
                             name: str = "vm") -> list[str]:
        """What the compute API writes for one accepted request (with the
        flavor's vcpus and memory in the serialized instance, which counted
        quotas read)."""
        uuids = [str(uuidlib.uuid4()) for _ in range(count)]
        request_spec.num_instances = count
        flavor = request_spec.flavor

        def work(conn):
            for index, uuid in enumerate(uuids):
                build_requests.create(
                    conn, instance_uuid=uuid, project_id=request_spec.project_id,
                    user_id=request_spec.user_id,
                    instance={"display_name": f"{name}-{index}", "vm_state": "building",
                              "task_state": "scheduling", "launch_index": index,
                              "vcpus": flavor.vcpus, "memory_mb": flavor.memory_mb},
                    spec=dict(request_spec.to_dict(), instance_uuid=uuid), tags=["t1"])
        self.deployment.api_db.write(work)
        return uuids

    def create_servers(self, request_spec: RequestSpec, count: int = 1,
                       ctx: RequestContext | None = None) -> list[str]:
        uuids = self.write_build_requests(request_spec, count)
        self.super_api.schedule_and_build_instances(ctx or self.context(), uuids)
        return uuids

    # --- reading back --------------------------------------------------------------------

    def instance(self, uuid: str) -> tuple[str, Any] | None:
        """(cell name, row) of the instance, deleted or not."""
        table = cell_models.instances
        for cell in CELLS:
            row = self.deployment.cell_dbs[cell].read(lambda conn: conn.execute(
                sa.select(table).where(table.c.uuid == uuid)).first())
            if row is not None:
                return cell, row
        return None

    def wait_for_instance(self, uuid: str, *, vm_state: str, task_state: Any = ...,
                          timeout: float = 20.0) -> tuple[str, Any]:
        def check():
            found = self.instance(uuid)
            if found is None or found[1].vm_state != vm_state:
                return None
            if task_state is not ... and found[1].task_state != task_state:
                return None
            return found
        return wait_for(check, timeout=timeout, what=f"{uuid} in {vm_state}")

    def faults(self, cell: str, uuid: str) -> list:
        table = cell_models.instance_faults
        return self.deployment.cell_dbs[cell].read(lambda conn: list(conn.execute(
            sa.select(table).where(table.c.instance_uuid == uuid))))

    def actions(self, cell: str, uuid: str) -> list[tuple[Any, list]]:
        acts, evs = cell_models.instance_actions, cell_models.instance_actions_events

        def work(conn):
            out = []
            for action in conn.execute(sa.select(acts).where(acts.c.instance_uuid == uuid)
                                       .order_by(acts.c.id)):
                events = list(conn.execute(sa.select(evs).where(evs.c.action_id == action.id)
                                           .order_by(evs.c.id)))
                out.append((action, events))
            return out
        return self.deployment.cell_dbs[cell].read(work)

    def mapping(self, uuid: str):
        table = api_models.instance_mappings
        return self.deployment.api_db.read(lambda conn: conn.execute(
            sa.select(table).where(table.c.instance_uuid == uuid)).first())

    def build_request(self, uuid: str):
        table = api_models.build_requests
        return self.deployment.api_db.read(lambda conn: conn.execute(
            sa.select(table).where(table.c.instance_uuid == uuid)).first())

    def cell_id(self, name: str) -> int:
        return {c.name: c.id for c in self.api.cells.cells()}[name]

    def allocations(self, uuid: str) -> dict:
        return self.cloud.placement.request("GET", f"/allocations/{uuid}",
                                            version="1.28").json()["allocations"]

    def wait_no_allocations(self, uuid: str, timeout: float = 10.0) -> None:
        wait_for(lambda: not self.allocations(uuid), timeout=timeout,
                 what=f"no allocations of {uuid}")

    def usages(self, rp: str) -> dict:
        return self.cloud.placement.get_usages(rp)

    def all_consumers(self, rps: list[str]) -> set[str]:
        consumers = set()
        for rp in rps:
            data = self.cloud.placement.request(
                "GET", f"/resource_providers/{rp}/allocations", version="1.28").json()
            consumers |= set(data["allocations"])
        return consumers


def settle(seconds: float = 0.3) -> None:
    time.sleep(seconds)
