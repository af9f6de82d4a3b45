"""Delete: while a build request, while scheduling, in a cell through its
compute, locally when the host is down, and in cell0."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service.server_delete import delete as delete_server

from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests, instance_mappings
from nubes.conductor.super.build import ScheduleAndBuild
from nubes.scheduler.rpcapi import SchedulerAPI
from tests.functional.build.harness import spec
from tests.functional.compute.cloud import wait_for


def test_delete_of_a_build_request(build_cloud):
    uuid, = build_cloud.write_build_requests(spec())
    assert delete_server(build_cloud.compute, build_cloud.context(), uuid) == "build_request"
    assert build_cloud.build_request(uuid) is None
    assert build_cloud.mapping(uuid).queued_for_delete


def test_delete_of_an_unknown_server(build_cloud):
    with pytest.raises(exc.NotFound):
        delete_server(build_cloud.compute, build_cloud.context(), "no-such-server")


class _DeleteWhileScheduling:
    """The real scheduler, but the user's delete lands right after it claimed."""

    def __init__(self, real: SchedulerAPI, api_db):
        self.real, self.api_db = real, api_db
        self.claimed: dict = {}

    def select_destinations(self, ctx, request_spec, instance_uuids, return_alternates=True):
        selections = self.real.select_destinations(ctx, request_spec, instance_uuids,
                                                   return_alternates)
        self.claimed = {u: s[0] for u, s in zip(instance_uuids, selections)}
        self.api_db.write(lambda conn: [
            (build_requests.delete(conn, u),
             instance_mappings.queue_for_delete(conn, u)) for u in instance_uuids])
        return selections


def test_delete_during_scheduling_releases_the_claim(build_cloud):
    build_cloud.start_hosts({"cell1-c1": "cell1"})
    uuid, = build_cloud.write_build_requests(spec())
    scheduler = _DeleteWhileScheduling(SchedulerAPI(build_cloud.transport),
                                       build_cloud.deployment.api_db)
    outcome = ScheduleAndBuild(build_cloud.api, scheduler, build_cloud.context(),
                               [uuid]).execute()
    assert outcome == {uuid: "deleted"}
    assert scheduler.claimed[uuid].claimed   # it had been claimed ...
    assert build_cloud.allocations(uuid) == {}   # ... and was released
    assert build_cloud.instance(uuid) is None
    assert build_cloud.mapping(uuid) is None


def test_delete_of_an_active_server_goes_through_its_compute(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1"})
    uuid, = build_cloud.create_servers(spec())
    build_cloud.wait_for_instance(uuid, vm_state="active")
    assert agents["cell1-c1"].driver.guests() == [uuid]

    ctx = build_cloud.context()
    assert delete_server(build_cloud.compute, ctx, uuid) == "compute"
    cell, row = build_cloud.wait_for_instance(uuid, vm_state="deleted")
    assert row.deleted == row.id and row.task_state is None
    assert row.terminated_at is not None
    build_cloud.wait_no_allocations(uuid)
    assert agents["cell1-c1"].driver.guests() == []
    assert build_cloud.mapping(uuid).queued_for_delete
    actions = build_cloud.actions("cell1", uuid)
    delete_action, events = actions[-1]
    assert delete_action.action == "delete" and delete_action.request_id == ctx.request_id
    assert [(e.event, e.result) for e in events] == [
        ("compute_terminate_instance", "Success")]
    # A second delete finds nothing left to do.
    assert delete_server(build_cloud.compute, build_cloud.context(), uuid) == "already_deleted"


def test_delete_with_the_host_down_is_local(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1"})
    uuid, = build_cloud.create_servers(spec())
    build_cloud.wait_for_instance(uuid, vm_state="active")
    agents["cell1-c1"].stop()
    services = cell_models.services
    build_cloud.deployment.cell_dbs["cell1"].write(lambda conn: conn.execute(
        sa.update(services).where(services.c.host == "cell1-c1").values(forced_down=True)))

    assert delete_server(build_cloud.compute, build_cloud.context(), uuid) == "local"
    cell, row = build_cloud.instance(uuid)
    assert row.vm_state == "deleted" and row.deleted == row.id
    assert build_cloud.allocations(uuid) == {}
    assert build_cloud.mapping(uuid).queued_for_delete
    delete_action, events = build_cloud.actions("cell1", uuid)[-1]
    assert delete_action.action == "delete" and delete_action.finish_time is not None


def test_delete_of_a_server_in_cell0_is_local(build_cloud):
    build_cloud.start_hosts({"cell1-c1": "cell1"}, vcpus=2)
    uuid, = build_cloud.create_servers(spec(vcpus=4))
    build_cloud.wait_for_instance(uuid, vm_state="error")
    assert delete_server(build_cloud.compute, build_cloud.context(), uuid) == "local"
    cell, row = build_cloud.instance(uuid)
    assert cell == "cell0" and row.vm_state == "deleted" and row.deleted
    assert build_cloud.mapping(uuid).queued_for_delete


def test_delete_while_the_build_is_spawning(build_cloud):
    """The delete waits for the spawn on the host, then destroys."""
    agents = build_cloud.start_hosts({"cell1-c1": "cell1"})
    import threading
    spawning, release = threading.Event(), threading.Event()

    def slow_spawn(nodename, value):
        spawning.set()
        release.wait(10)
    agents["cell1-c1"].driver.hooks.add("spawn", slow_spawn)
    uuid, = build_cloud.create_servers(spec())
    assert spawning.wait(10)
    assert delete_server(build_cloud.compute, build_cloud.context(), uuid) == "compute"
    release.set()
    build_cloud.wait_for_instance(uuid, vm_state="deleted")
    build_cloud.wait_no_allocations(uuid)
    wait_for(lambda: agents["cell1-c1"].driver.guests() == [], what="guest destroyed")
