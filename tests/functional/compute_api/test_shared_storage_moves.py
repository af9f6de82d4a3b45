"""Shared storage pools, through real HTTP on a whole embedded cloud: a
pool (a provider of DISK_GB with the trait MISC_SHARES_VIA_AGGREGATE) made
with the real ``openstack resource provider ...`` commands, as an operator
does, shared by two of three hosts (``[compute] shared_storage_aggregate``).

A server on a pool host takes VCPU/MEMORY_MB from the host and DISK_GB
from the pool.  A move between hosts of the pool moves only the host part:
the instance's uuid keeps its allocation on the pool for the whole move,
the migration's uuid holds only the source host's VCPU/MEMORY_MB, and the
pool's usage is what its servers use after every step (resize, confirm,
revert, cold and live migration, abort, evacuation, and the failures).  A
move to the host outside the pool moves the disk too."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
AGGREGATE = "5d1f4c1e-2a5b-4b7e-9c61-2f4e0b8a7c31"
POOL = "shared-disk-1"
POOL_GB = 1000
IN_POOL = ("cell1-compute1", "cell1-compute2")
OUTSIDE = "cell1-compute3"
# Host parts of m1.tiny and m1.small, and their disks.
TINY_HOST = {"VCPU": 1, "MEMORY_MB": 512}
SMALL_HOST = {"VCPU": 1, "MEMORY_MB": 2048}
TINY_DISK, SMALL_DISK = {"DISK_GB": 1}, {"DISK_GB": 20}
TINY = {**TINY_HOST, **TINY_DISK}
LIVE = {"os-migrateLive": {"host": None, "block_migration": "auto"}}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(
        str(tmp_path_factory.mktemp("shared-storage") / "state"), cells=1, hosts_per_cell=3,
        overrides={"compute": {"shared_storage_aggregate": [
                       f"cell1-compute[12]={AGGREGATE}"]},
                   "fake_driver": {"live_migration_seconds": 1.0}})
    try:
        _make_pool(cloud, tmp_path_factory.mktemp("osc-home"))
        yield cloud
    finally:
        cloud.stop()


def _make_pool(cloud, home) -> None:
    """The operator's commands (docs/compute/shared_storage.md), with the
    real CLI (osc-placement) through the cloud's clouds.yaml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(HOME=str(home), OS_CLIENT_CONFIG_FILE=cloud.clouds_yaml)

    def run(*argv: str):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes",
                              "--os-placement-api-version", "1.39", *argv],
                             capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0, (argv, out.stderr)
        return json.loads(out.stdout) if "-f" in argv else out.stdout

    rp = run("resource", "provider", "create", POOL, "-f", "json")["uuid"]
    run("resource", "provider", "inventory", "set", rp,
        "--resource", f"DISK_GB={POOL_GB}", "-f", "json")
    run("resource", "provider", "trait", "set", rp,
        "--trait", "MISC_SHARES_VIA_AGGREGATE", "-f", "json")
    generation = run("resource", "provider", "show", rp, "-f", "json")["generation"]
    run("resource", "provider", "aggregate", "set", rp, "--aggregate", AGGREGATE,
        "--generation", str(generation), "-f", "json")
    shown = run("resource", "provider", "inventory", "list", rp, "-f", "json")
    assert [(i["resource_class"], i["total"]) for i in shown] == [("DISK_GB", POOL_GB)]
    traits = run("resource", "provider", "trait", "list", rp, "-f", "json")
    assert [t["name"] for t in traits] == ["MISC_SHARES_VIA_AGGREGATE"]
    members = run("resource", "provider", "list", "--member-of", AGGREGATE, "-f", "json")
    assert sorted(p["name"] for p in members) == sorted([POOL, *IN_POOL])


@pytest.fixture
def server(cloud):
    """A server of m1.tiny on the first host of the pool."""
    sid = _boot(cloud, IN_POOL[0])
    yield sid
    for svc in _services(cloud).values():
        _set_service(cloud, svc, forced_down=False, status="enabled")
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)
    for agent in cloud.embedded.agents:
        agent.destroy_evacuated()
    cloud.wait_no_usage()


def _boot(cloud, host: str) -> str:
    code, body = cloud.admin.post("/servers", {"server": {
        "name": "pooled", "imageRef": cloud.image_id(), "flavorRef": "1",
        "networks": "none", "availability_zone": f"nova:{host}"}})
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.admin, sid, "ACTIVE")
    return sid


def _act(sid, cloud, body, **kw):
    return cloud.admin.post(f"/servers/{sid}/action", body, **kw)


def _names(cloud) -> dict[str, str]:
    resp = cloud.placement.request("GET", "/resource_providers", version="1.14")
    return {p["uuid"]: p["name"] for p in resp.json()["resource_providers"]}


def _held(cloud, consumer) -> dict[str, dict]:
    names = _names(cloud)
    return {names[rp]: r for rp, r in cloud.allocations(consumer).items()}


def _usage(cloud) -> dict[str, dict]:
    return {name: {k: v for k, v in u.items() if v}
            for name, u in cloud.provider_usages().items() if any(u.values())}


def _usage_is(cloud, expected: dict[str, dict]) -> None:
    deadline = time.monotonic() + 30
    while _usage(cloud) != expected:
        assert time.monotonic() < deadline, (_usage(cloud), expected)
        time.sleep(0.05)


def _settled(cloud, sid, *statuses: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
        if shown["status"] in statuses and shown["OS-EXT-STS:task_state"] is None:
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.05)


def _host(cloud, sid) -> str:
    return cloud.admin.get(f"/servers/{sid}")[1]["server"]["OS-EXT-SRV-ATTR:host"]


def _migration(cloud, sid) -> dict:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"][0]


def _services(cloud) -> dict[str, dict]:
    return {s["host"]: s for s in cloud.admin.get("/os-services?binary=nova-compute")[1][
        "services"]}


def _set_service(cloud, svc, **values) -> None:
    assert cloud.admin.put(f"/os-services/{svc['id']}", values, version="2.53")[0] == 200


def _agent(cloud, host: str):
    return next(a for a in cloud.embedded.agents if a.host == host)


def _moved_in_pool(cloud, sid, migration, *, source, dest, host_part, disk,
                   source_part=TINY_HOST) -> None:
    """The move's exact allocations and usages within the pool."""
    assert _held(cloud, sid) == {dest: host_part, POOL: disk}
    assert _held(cloud, migration) == {source: source_part}
    _usage_is(cloud, {source: source_part, dest: host_part, POOL: disk})


# --- the hosts and a boot ------------------------------------------------------------

def test_pool_hosts_report_no_disk_and_join_the_aggregate(cloud):
    names = {name: rp for rp, name in _names(cloud).items()}
    for host in IN_POOL:
        assert "DISK_GB" not in cloud.placement.get_inventories(names[host]).inventories
        assert cloud.placement.get_aggregates(names[host]).aggregates == {AGGREGATE}
    outside = cloud.placement.get_inventories(names[OUTSIDE]).inventories
    assert outside["DISK_GB"].total == 500
    assert cloud.placement.get_aggregates(names[OUTSIDE]).aggregates == frozenset()


def test_candidates_take_the_disk_from_the_pool(cloud):
    """Placement's side: a pool host's candidate is the host and the pool."""
    names = _names(cloud)
    found = cloud.placement.allocation_candidates(
        {"resources": "VCPU:1,MEMORY_MB:512,DISK_GB:1"}, version="1.36")
    shapes = sorted(sorted((names[rp], tuple(sorted(a["resources"].items())))
                           for rp, a in request["allocations"].items())
                    for request in found.allocation_requests)
    disk, host = (("DISK_GB", 1),), (("MEMORY_MB", 512), ("VCPU", 1))
    assert shapes == [[(IN_POOL[0], host), (POOL, disk)], [(IN_POOL[1], host), (POOL, disk)],
                      [(OUTSIDE, (("DISK_GB", 1), *host))]]


def test_boot_takes_the_disk_from_the_pool(cloud, server):
    assert _held(cloud, server) == {IN_POOL[0]: TINY_HOST, POOL: TINY_DISK}
    _usage_is(cloud, {IN_POOL[0]: TINY_HOST, POOL: TINY_DISK})
    # A server on the host outside the pool has its disk there.
    other = _boot(cloud, OUTSIDE)
    try:
        assert _held(cloud, other) == {OUTSIDE: TINY}
    finally:
        cloud.admin.delete(f"/servers/{other}")
        cloud.wait_gone(cloud.admin, other)


# --- moves within the pool -------------------------------------------------------------

def test_resize_and_confirm_keep_the_disk_on_the_pool(cloud, server):
    source, dest = IN_POOL
    assert _act(server, cloud, {"resize": {"flavorRef": "2"}})[0] == 202
    shown = _settled(cloud, server, "VERIFY_RESIZE")
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    migration = _migration(cloud, server)["uuid"]
    # The pool holds the new, bigger disk once: not the old one as well.
    _moved_in_pool(cloud, server, migration, source=source, dest=dest,
                   host_part=SMALL_HOST, disk=SMALL_DISK)
    assert _act(server, cloud, {"confirmResize": None})[0] == 204
    _settled(cloud, server, "ACTIVE")
    assert _held(cloud, server) == {dest: SMALL_HOST, POOL: SMALL_DISK}
    assert cloud.allocations(migration) == {}
    _usage_is(cloud, {dest: SMALL_HOST, POOL: SMALL_DISK})


def test_resize_and_revert_give_the_pool_its_old_size(cloud, server):
    source, dest = IN_POOL
    assert _act(server, cloud, {"resize": {"flavorRef": "2"}})[0] == 202
    _settled(cloud, server, "VERIFY_RESIZE")
    migration = _migration(cloud, server)["uuid"]
    _moved_in_pool(cloud, server, migration, source=source, dest=dest,
                   host_part=SMALL_HOST, disk=SMALL_DISK)
    assert _act(server, cloud, {"revertResize": None})[0] == 202
    shown = _settled(cloud, server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
    assert cloud.allocations(migration) == {}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})


def test_cold_migration_moves_only_the_host_part(cloud, server):
    source, dest = IN_POOL
    assert _act(server, cloud, {"migrate": None})[0] == 202
    _settled(cloud, server, "VERIFY_RESIZE")
    migration = _migration(cloud, server)["uuid"]
    _moved_in_pool(cloud, server, migration, source=source, dest=dest,
                   host_part=TINY_HOST, disk=TINY_DISK)
    assert _act(server, cloud, {"confirmResize": None})[0] == 204
    _settled(cloud, server, "ACTIVE")
    _usage_is(cloud, {dest: TINY_HOST, POOL: TINY_DISK})
    # ... and back, reverted this time.
    assert _act(server, cloud, {"migrate": None})[0] == 202
    _settled(cloud, server, "VERIFY_RESIZE")
    back = _migration(cloud, server)["uuid"]
    _moved_in_pool(cloud, server, back, source=dest, dest=source,
                   host_part=TINY_HOST, disk=TINY_DISK)
    assert _act(server, cloud, {"revertResize": None})[0] == 202
    _settled(cloud, server, "ACTIVE")
    assert _held(cloud, server) == {dest: TINY_HOST, POOL: TINY_DISK}
    _usage_is(cloud, {dest: TINY_HOST, POOL: TINY_DISK})


def test_live_migration_and_abort(cloud, server):
    source, dest = IN_POOL
    assert _act(server, cloud, LIVE, version="2.25")[0] == 202
    running = _running(cloud, server)
    _moved_in_pool(cloud, server, running["uuid"], source=source, dest=dest,
                   host_part=TINY_HOST, disk=TINY_DISK)
    assert cloud.admin.delete(f"/servers/{server}/migrations/{running['id']}",
                              version="2.24")[0] == 202
    shown = _settled(cloud, server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
    assert cloud.allocations(running["uuid"]) == {}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})
    # Again, to the end this time.
    assert _act(server, cloud, LIVE, version="2.25")[0] == 202
    running = _running(cloud, server)
    _moved_in_pool(cloud, server, running["uuid"], source=source, dest=dest,
                   host_part=TINY_HOST, disk=TINY_DISK)
    _settled(cloud, server, "ACTIVE")
    assert _host(cloud, server) == dest
    assert cloud.allocations(running["uuid"]) == {}
    _usage_is(cloud, {dest: TINY_HOST, POOL: TINY_DISK})


def _running(cloud, sid) -> dict:
    deadline = time.monotonic() + 20
    while True:
        found = cloud.admin.get(f"/servers/{sid}/migrations", version="2.80")[1]["migrations"]
        if found and found[0]["status"] == "running":
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.02)


def test_evacuation_within_the_pool(cloud, server):
    source, dest = IN_POOL
    services = _services(cloud)
    _set_service(cloud, services[source], forced_down=True)
    assert _act(server, cloud, {"evacuate": {}}, version="2.94")[0] == 200
    _settled(cloud, server, "ACTIVE")
    assert _host(cloud, server) == dest
    migration = _migration(cloud, server)["uuid"]
    _moved_in_pool(cloud, server, migration, source=source, dest=dest,
                   host_part=TINY_HOST, disk=TINY_DISK)
    # The old host comes back and drops its part.
    _set_service(cloud, services[source], forced_down=False)
    assert _agent(cloud, source).destroy_evacuated() == 1
    assert cloud.allocations(migration) == {}
    _usage_is(cloud, {dest: TINY_HOST, POOL: TINY_DISK})


# --- failures --------------------------------------------------------------------------

def test_no_valid_host_leaves_the_pool_as_it_was(cloud, server):
    services = _services(cloud)
    for host in (IN_POOL[1], OUTSIDE):
        _set_service(cloud, services[host], status="disabled")
    assert _act(server, cloud, {"resize": {"flavorRef": "2"}})[0] == 202
    action = cloud.wait_action_done(server, "resize")
    assert action["events"][0]["result"] == "Error"
    _settled(cloud, server, "ACTIVE")
    assert _held(cloud, server) == {IN_POOL[0]: TINY_HOST, POOL: TINY_DISK}
    assert cloud.allocations(_migration(cloud, server)["uuid"]) == {}
    _usage_is(cloud, {IN_POOL[0]: TINY_HOST, POOL: TINY_DISK})


def test_destination_failure_gives_the_pool_its_old_size(cloud, server):
    source, dest = IN_POOL
    _agent(cloud, dest).driver.hooks.fail("spawn", times=1)
    assert _act(server, cloud, {"resize": {"flavorRef": "2"}})[0] == 202
    cloud.wait_action_done(server, "resize")
    shown = _settled(cloud, server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert _migration(cloud, server)["status"] == "error"
    assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
    assert cloud.allocations(_migration(cloud, server)["uuid"]) == {}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})


def test_failed_evacuation_leaves_the_pool_as_it_was(cloud, server):
    source, dest = IN_POOL
    services = _services(cloud)
    _set_service(cloud, services[source], forced_down=True)
    _set_service(cloud, services[OUTSIDE], status="disabled")
    _agent(cloud, dest).driver.hooks.fail("spawn", times=1)
    assert _act(server, cloud, {"evacuate": {}}, version="2.94")[0] == 200
    action = cloud.wait_action_done(server, "evacuate")
    assert any(e["result"] == "Error" for e in action["events"])
    assert _host(cloud, server) == source
    assert _migration(cloud, server)["status"] == "failed"
    assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})


# --- out of the pool -------------------------------------------------------------------

def test_a_move_out_of_the_pool_moves_the_disk(cloud, server):
    source = IN_POOL[0]
    assert _act(server, cloud, {"migrate": {"host": OUTSIDE}}, version="2.56")[0] == 202
    _settled(cloud, server, "VERIFY_RESIZE")
    migration = _migration(cloud, server)["uuid"]
    assert _held(cloud, server) == {OUTSIDE: TINY}
    assert _held(cloud, migration) == {source: TINY_HOST, POOL: TINY_DISK}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK, OUTSIDE: TINY})
    assert _act(server, cloud, {"revertResize": None})[0] == 202
    _settled(cloud, server, "ACTIVE")
    assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})
    # Confirmed this time: the disk leaves the pool.
    assert _act(server, cloud, {"migrate": {"host": OUTSIDE}}, version="2.56")[0] == 202
    _settled(cloud, server, "VERIFY_RESIZE")
    assert _act(server, cloud, {"confirmResize": None})[0] == 204
    _settled(cloud, server, "ACTIVE")
    assert _held(cloud, server) == {OUTSIDE: TINY}
    _usage_is(cloud, {OUTSIDE: TINY})
    # ... and back into it: the disk comes to the pool.
    assert _act(server, cloud, {"migrate": {"host": source}}, version="2.56")[0] == 202
    _settled(cloud, server, "VERIFY_RESIZE")
    assert _act(server, cloud, {"confirmResize": None})[0] == 204
    _settled(cloud, server, "ACTIVE")
    assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
    _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})


def test_a_pool_without_room_for_a_bigger_disk_moves_it_out(cloud, server):
    """The pool cannot take the resized disk: the move leaves the pool,
    disk and all, and a revert brings it back."""
    source = IN_POOL[0]
    pool = {name: rp for rp, name in _names(cloud).items()}[POOL]
    _set_pool_size(cloud, pool, 10)
    try:
        assert _act(server, cloud, {"resize": {"flavorRef": "2"}})[0] == 202
        shown = _settled(cloud, server, "VERIFY_RESIZE")
        assert shown["OS-EXT-SRV-ATTR:host"] == OUTSIDE
        migration = _migration(cloud, server)["uuid"]
        assert _held(cloud, server) == {OUTSIDE: {**SMALL_HOST, **SMALL_DISK}}
        assert _held(cloud, migration) == {source: TINY_HOST, POOL: TINY_DISK}
        assert _act(server, cloud, {"revertResize": None})[0] == 202
        _settled(cloud, server, "ACTIVE")
        assert _held(cloud, server) == {source: TINY_HOST, POOL: TINY_DISK}
        _usage_is(cloud, {source: TINY_HOST, POOL: TINY_DISK})
    finally:
        _set_pool_size(cloud, pool, POOL_GB)


def _set_pool_size(cloud, pool: str, total: int) -> None:
    def attempt():
        current = cloud.placement.get_inventories(pool)
        disk = current.inventories["DISK_GB"]
        cloud.placement.set_inventories(pool, {"DISK_GB": type(disk)(
            total=total, reserved=0, min_unit=1, max_unit=total, step_size=1,
            allocation_ratio=1.0)}, current.generation)
    cloud.placement.retry_on_concurrent_update(attempt)


def test_delete_mid_move_frees_the_pool(cloud):
    sid = _boot(cloud, IN_POOL[0])
    assert _act(sid, cloud, {"resize": {"flavorRef": "2"}})[0] == 202
    _settled(cloud, sid, "VERIFY_RESIZE")
    migration = _migration(cloud, sid)["uuid"]
    _usage_is(cloud, {IN_POOL[0]: TINY_HOST, IN_POOL[1]: SMALL_HOST, POOL: SMALL_DISK})
    assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()
    assert cloud.allocations(migration) == {}
