"""Build requests nobody works on are built again (issue 14's lost cast):
a super-conductor leases the build requests it works on; the periodic
check of any super-conductor takes over one whose lease ran out (clearing
what the dead owner left: its claim, an unfinished row in a cell) or that
no super-conductor took long after the API accepted it; a late or
repeated cast leaves a build request that is leased, built or gone alone.
"""
from __future__ import annotations

import datetime

import sqlalchemy as sa

from nubes.cells.api_db import models as api_models
from nubes.cells.repo import build_requests
from nubes.cells.repo import instances as cell_repo
from nubes.common.timeutils import utcnow
from nubes.conductor.super.build import ScheduleAndBuild
from nubes.scheduler.rpcapi import SchedulerAPI
from tests.functional.build.harness import CELLS, spec

HOSTS = {"cell1-c1": "cell1", "cell2-c1": "cell2"}
LEASE = datetime.timedelta(seconds=300)      # [DEFAULT] build_request_lease's default
br = api_models.build_requests


def _set(build_cloud, uuid: str, **values) -> None:
    build_cloud.deployment.api_db.write(lambda conn: conn.execute(
        sa.update(br).where(br.c.instance_uuid == uuid).values(**values)))


def _rows_everywhere(build_cloud, uuid: str) -> list[str]:
    """The cells holding a row (deleted or not) of ``uuid``."""
    table = cell_repo.instances
    return [cell for cell in CELLS if build_cloud.deployment.cell_dbs[cell].read(
        lambda conn: conn.execute(sa.select(table.c.id).where(table.c.uuid == uuid)).first())]


def _providers(build_cloud) -> dict[str, str]:
    data = build_cloud.cloud.placement.request("GET", "/resource_providers",
                                               version="1.14").json()
    return {p["name"]: p["uuid"] for p in data["resource_providers"]}


def _build_again(build_cloud, uuids: list[str]) -> dict[str, str]:
    scheduler = SchedulerAPI(build_cloud.transport)
    return ScheduleAndBuild(build_cloud.api, scheduler, build_cloud.context(), uuids).execute()


def test_only_one_taker_holds_a_lease(build_cloud):
    uuid, = build_cloud.write_build_requests(spec())
    now = utcnow()
    take = build_requests.take
    db = build_cloud.deployment.api_db
    assert db.write(lambda c: take(c, [uuid, "gone"], "a", now, now + LEASE)) == ({uuid}, set())
    assert db.write(lambda c: take(c, [uuid], "b", now, now + LEASE)) == (set(), set())
    # Once a's lease ran out, b takes over (and is told it is a take-over).
    later = now + LEASE + datetime.timedelta(seconds=1)
    assert db.write(lambda c: take(c, [uuid], "b", later, later + LEASE)) == ({uuid}, {uuid})
    assert build_cloud.build_request(uuid).lease_owner == "b"


def test_a_lost_cast_is_built_by_the_periodic_check(build_cloud):
    build_cloud.start_hosts(HOSTS)
    uuid, = build_cloud.write_build_requests(spec())       # ... and the cast never came
    check = build_cloud.super_conductor.lost_builds.check
    assert check() == 0                                     # too young to be called lost
    _set(build_cloud, uuid, created_at=utcnow() - LEASE - datetime.timedelta(seconds=1))
    assert check() == 1
    cell, row = build_cloud.wait_for_instance(uuid, vm_state="active")
    assert build_cloud.build_request(uuid) is None
    assert build_cloud.mapping(uuid).cell_id == build_cloud.cell_id(cell)
    assert list(build_cloud.allocations(uuid)) == [_providers(build_cloud)[row.node]]
    assert check() == 0


def test_a_dead_owners_claim_and_row_are_cleared(build_cloud):
    build_cloud.start_hosts(HOSTS)
    providers = _providers(build_cloud)
    uuid, = build_cloud.write_build_requests(spec())
    # The dead owner had claimed on cell2-c1 and written the row in cell2,
    # then died before pointing the mapping there; its lease ran out.
    claim = {"allocations": {providers["cell2-c1"]: {"resources": {
        "VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}},
        "project_id": "p1", "user_id": "u1", "consumer_generation": None}
    resp = build_cloud.cloud.placement.request("PUT", f"/allocations/{uuid}", json=claim,
                                               version="1.28", ok=(204,))
    assert resp.status_code == 204
    build_cloud.deployment.cell_dbs["cell2"].write(lambda conn: cell_repo.create(
        conn, {"uuid": uuid, "project_id": "p1", "user_id": "u1", "vm_state": "building",
               "task_state": "scheduling", "host": "cell2-c1", "node": "cell2-c1"}, utcnow()))
    _set(build_cloud, uuid, lease_owner="dead",
         lease_expires=utcnow() - datetime.timedelta(seconds=1))

    assert build_cloud.super_conductor.lost_builds.check() == 1
    cell, row = build_cloud.wait_for_instance(uuid, vm_state="active")
    assert _rows_everywhere(build_cloud, uuid) == [cell]
    allocations = build_cloud.allocations(uuid)
    assert list(allocations) == [providers[row.node]]
    assert allocations[providers[row.node]]["resources"] == {
        "VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    other = providers["cell1-c1" if row.node == "cell2-c1" else "cell2-c1"]
    assert build_cloud.usages(other) == {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}


def test_a_late_or_repeated_cast_changes_nothing(build_cloud):
    build_cloud.start_hosts(HOSTS)
    built, = build_cloud.create_servers(spec())
    cell, row = build_cloud.wait_for_instance(built, vm_state="active")
    allocations = build_cloud.allocations(built)
    # The same cast again (redelivered, or a take-over's late original):
    # the build request is gone, and that is no delete: the claim stays.
    assert _build_again(build_cloud, [built]) == {built: "elsewhere"}
    assert build_cloud.allocations(built) == allocations
    assert _rows_everywhere(build_cloud, built) == [cell]

    held, = build_cloud.write_build_requests(spec())
    _set(build_cloud, held, lease_owner="other", lease_expires=utcnow() + LEASE)
    assert _build_again(build_cloud, [held]) == {held: "elsewhere"}
    assert build_cloud.allocations(held) == {}
    assert build_cloud.build_request(held).lease_owner == "other"
    assert _rows_everywhere(build_cloud, held) == []
