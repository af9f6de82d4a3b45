"""The super-conductor's quota recheck ([quota] recheck_quota): creates
whose API-level checks all passed (their build requests are written
directly, as racing API workers would have written them) never leave more
live servers than the quota allows; the refused ones are ERROR in cell0
with a quota fault and hold no claim in placement."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from nubes.api.compute.service.server_delete import delete as delete_server
from nubes.cells import quota
from nubes.cells.api_db import models as api_models
from nubes.common.timeutils import utcnow
from tests.functional.build.harness import spec
from tests.functional.compute.cloud import wait_for

HOSTS = {"cell1-c1": "cell1", "cell2-c1": "cell2"}


def _quota(build_cloud, project: str = "p1", **limits: int) -> None:
    now = utcnow()
    build_cloud.deployment.api_db.write(lambda conn: [conn.execute(
        sa.insert(api_models.quotas).values(project_id=project, resource=name,
                                            hard_limit=value, created_at=now))
        for name, value in limits.items()])


def _accepted(build_cloud, request_spec, count: int = 1) -> list[str]:
    return build_cloud.write_build_requests(request_spec, count, name="q")


def _cast(build_cloud, uuids: list[str]) -> None:
    build_cloud.super_api.schedule_and_build_instances(build_cloud.context(), uuids)


def _settled(build_cloud, uuids: list[str], timeout: float = 60.0) -> dict:
    def check():
        found = {u: build_cloud.instance(u) for u in uuids}
        if all(f is not None and f[1].vm_state in ("active", "error") for f in found.values()):
            return found
        return None
    return wait_for(check, timeout=timeout, interval=0.1, what="every build to settle")


def _assert_refused(build_cloud, uuid: str, message: str | None = None) -> str:
    cell, row = build_cloud.instance(uuid)
    assert (cell, row.vm_state, row.host) == ("cell0", "error", None)
    fault, = build_cloud.faults("cell0", uuid)
    assert fault.code == 403
    assert fault.message.startswith("Quota exceeded for ")
    if message is not None:
        assert fault.message == message
    (action, events), = build_cloud.actions("cell0", uuid)
    assert action.action == "create"
    assert [(e.event, e.result) for e in events] == [
        ("conductor_schedule_and_build_instances", "Error")]
    assert build_cloud.allocations(uuid) == {}
    assert build_cloud.build_request(uuid) is None
    assert build_cloud.mapping(uuid).cell_id == build_cloud.cell_id("cell0")
    return fault.message


def test_racing_creates_never_exceed_the_quota(build_cloud):
    build_cloud.start_hosts(HOSTS)
    _quota(build_cloud, instances=5)
    uuids = [u for _ in range(16) for u in _accepted(build_cloud, spec())]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda u: _cast(build_cloud, [u]), uuids))
    found = _settled(build_cloud, uuids)

    active = {u for u, (cell, row) in found.items() if row.vm_state == "active"}
    refused = set(uuids) - active
    assert len(active) <= 5
    assert all(found[u][0] in ("cell1", "cell2") for u in active)
    for uuid in refused:
        assert "instances" in _assert_refused(build_cloud, uuid)
    rps = [node.uuid for cell in ("cell1", "cell2")
           for node in build_cloud.cloud.nodes(cell).values()]
    assert build_cloud.all_consumers(rps) == active


def test_the_earliest_accepted_win(build_cloud):
    build_cloud.start_hosts(HOSTS)
    _quota(build_cloud, instances=3)
    uuids = [u for _ in range(5) for u in _accepted(build_cloud, spec())]
    for uuid in uuids:      # one at a time: no race at the recheck itself
        _cast(build_cloud, [uuid])
        _settled(build_cloud, [uuid])
    assert [build_cloud.instance(u)[1].vm_state for u in uuids] == ["active"] * 3 + ["error"] * 2
    # The fourth sees the three servers before it (its newer sibling does
    # not count against it); the fifth sees the same three: the fourth's
    # refused server does not count (other ERROR servers do).
    _assert_refused(build_cloud, uuids[3], "Quota exceeded for instances: Requested 1, "
                                           "but already used 3 of 3 instances")
    _assert_refused(build_cloud, uuids[4], "Quota exceeded for instances: Requested 1, "
                                           "but already used 3 of 3 instances")


def test_refused_servers_do_not_count(build_cloud):
    """Losers of the recheck stay in cell0 in ERROR but are not counted: a
    winner deleted makes room for a new server, which builds, however many
    losers are left."""
    build_cloud.start_hosts(HOSTS)
    _quota(build_cloud, instances=2)
    uuids = [u for _ in range(5) for u in _accepted(build_cloud, spec())]
    for uuid in uuids:
        _cast(build_cloud, [uuid])
        _settled(build_cloud, [uuid])
    winners, losers = uuids[:2], uuids[2:]
    for uuid in losers:
        _assert_refused(build_cloud, uuid, "Quota exceeded for instances: Requested 1, "
                                           "but already used 2 of 2 instances")
    api = build_cloud.api
    ctx = build_cloud.context()
    assert quota.usage(api.api_db, api.cells, ctx, "p1")["instances"] == 2

    assert delete_server(build_cloud.compute, ctx, winners[0]) == "compute"
    build_cloud.wait_for_instance(winners[0], vm_state="deleted")
    assert quota.usage(api.api_db, api.cells, ctx, "p1")["instances"] == 1
    late, = _accepted(build_cloud, spec())
    _cast(build_cloud, [late])
    assert _settled(build_cloud, [late])[late][1].vm_state == "active"
    assert quota.usage(api.api_db, api.cells, ctx, "p1")["instances"] == 2


def test_a_multi_create_over_cores_errors_every_instance(build_cloud):
    build_cloud.start_hosts(HOSTS)
    _quota(build_cloud, cores=4)
    uuids = _accepted(build_cloud, spec(vcpus=2), count=3)
    _cast(build_cloud, uuids)
    _settled(build_cloud, uuids)
    for uuid in uuids:
        _assert_refused(build_cloud, uuid, "Quota exceeded for cores: Requested 6, "
                                           "but already used 0 of 4 cores")


def test_other_projects_and_room_left_build(build_cloud):
    build_cloud.start_hosts(HOSTS)
    _quota(build_cloud, instances=2, ram=2048)
    _quota(build_cloud, project="p2", instances=0)     # p2 is full, p1 has room
    uuids = _accepted(build_cloud, spec(memory_mb=1024), count=2)
    _cast(build_cloud, uuids)
    for uuid in uuids:
        build_cloud.wait_for_instance(uuid, vm_state="active")
        assert build_cloud.allocations(uuid)


def test_recheck_can_be_turned_off(build_cloud):
    build_cloud.conf.set_override("recheck_quota", False, group="quota")
    try:
        build_cloud.start_hosts(HOSTS)
        _quota(build_cloud, instances=1)
        uuids = _accepted(build_cloud, spec(), count=2)
        _cast(build_cloud, uuids)
        for uuid in uuids:
            build_cloud.wait_for_instance(uuid, vm_state="active")
    finally:
        build_cloud.conf.clear_override("recheck_quota", group="quota")
