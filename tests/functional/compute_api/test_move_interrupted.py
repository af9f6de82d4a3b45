"""A source host that stops while it hands a server over (task
``resize_migrating``) rolls the move back when it starts again: the server
runs where it was with its old flavor, the migration is ``error`` with a
fault on the server, and placement holds exactly the server's allocation
on its source (the destination's claim and the migration's consumer gone).
"""
from __future__ import annotations

import time

from tests.fixtures.cloud import module_cloud

TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}

cloud = module_cloud("interrupted", cells=1, hosts_per_cell=2)


class HostDied(BaseException):
    """Raised in the driver: nothing after it on that host runs, as if the
    process had died there (no ``except Exception`` sees it)."""


def _providers(cloud) -> dict[str, str]:
    listed = cloud.placement.request("GET", "/resource_providers", version="1.14").json()
    return {p["name"]: p["uuid"] for p in listed["resource_providers"]}


def _wait_task(cloud, sid: str, task: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
        if shown["OS-EXT-STS:task_state"] == task:
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.05)


def test_a_source_that_stopped_mid_hand_over_rolls_the_move_back(cloud):
    sid = cloud.boot("interrupted")
    source = cloud.host_of(sid)
    agents = {a.host: a for a in cloud.embedded.agents}
    (dest,) = set(agents) - {source}
    providers = _providers(cloud)
    driver = agents[source].driver

    def die(*_args, **_kwargs):
        raise HostDied()
    driver.migrate_disk_and_power_off = die
    try:
        assert cloud.admin.post(f"/servers/{sid}/action", {"migrate": None})[0] == 202
        _wait_task(cloud, sid, "resize_migrating")
    finally:
        del driver.migrate_disk_and_power_off
    migration, = cloud.admin.get(f"/os-migrations?instance_uuid={sid}")[1]["migrations"]
    assert migration["status"] == "migrating"
    # The move's placement state: the migration holds the source, the
    # server the destination's claim.
    assert cloud.allocations(migration["uuid"]) == {providers[source]: TINY}
    assert cloud.allocations(sid) == {providers[dest]: TINY}

    # The host starts again: its guests are gone, its reconcile runs.
    driver.destroy(sid)
    done = agents[source].reconcile()
    assert done.rolled_back == 1

    shown = cloud.settled(sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert shown["flavor"]["original_name"] == "m1.tiny"
    assert driver.power_state(sid) == 1
    migration, = cloud.admin.get(f"/os-migrations?instance_uuid={sid}")[1]["migrations"]
    assert migration["status"] == "error"
    assert cloud.allocations(sid) == {providers[source]: TINY}
    assert cloud.allocations(migration["uuid"]) == {}
    usages = cloud.placement.request(
        "GET", f"/resource_providers/{providers[dest]}/usages", version="1.14").json()
    assert not any(usages["usages"].values()), usages
    # Nothing more to undo the second time; the server moves fine now.
    assert agents[source].reconcile().rolled_back == 0
    assert cloud.admin.post(f"/servers/{sid}/action", {"migrate": None})[0] == 202
    cloud.settled(sid, "VERIFY_RESIZE")
    assert cloud.host_of(sid) == dest
    assert cloud.admin.post(f"/servers/{sid}/action", {"confirmResize": None})[0] == 204
    cloud.settled(sid, "ACTIVE")
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()
