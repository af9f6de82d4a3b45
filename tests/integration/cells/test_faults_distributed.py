"""Faults under load in the distributed deployment (``cloud.py``): while a
few dozen servers boot, one piece of the deployment fails; once it is over
every server is ACTIVE or ERROR with a fault (none left building or in a
task), placement holds exactly what the ACTIVE servers use (no leaked or
missing allocation) and the quota usage counts the servers there are.

Once per backend, like the other distributed tests:

1. The broker drops every connection of the test's vhosts, twice, while
   40 servers boot (the shared RabbitMQ server itself keeps running); and
   the RabbitMQ server restarts while 100 servers boot (what was queued
   in it is lost).
2. A cell's compute process is SIGKILLed while its hosts are building:
   their servers end ACTIVE (built before the kill) or ERROR (the cell
   conductor's stuck-task check, ``instance_task_timeout`` a few seconds
   here), and an ERROR one holds nothing on the dead hosts.
3. The super-conductor is SIGKILLed with build requests queued for it, and
   started again: the queued casts are handled by the new process; SIGKILLed
   again while it handles one, and started again: the casts it held are
   lost with it, and their build requests are taken over once their lease
   runs out (``build_request_lease`` 30 s here).  A server the kill
   catches between handing its instance to the cell and casting to the
   host is put in ERROR by the cell's stuck-task check.
4. Placement (gunicorn) is SIGKILLed during the claims and started again.
5. A cell's database becomes unreachable (every process reaches it through
   a proxy the test cuts): lists and shows answer at once, with 2.69's
   minimal records for that cell's servers (left out before 2.69, a 503 for
   a show); new servers go to the other cell; once the database is back,
   everything is as before.
"""
from __future__ import annotations

import collections
import time

import pytest

from tests.fixtures.placement import PlacementClient
from tests.integration.cells.cloud import (HOSTS, Cloud, detail, start_cloud,
                                           start_compute, start_placement,
                                           start_super_conductor)
from tests.integration.cells.harness import wait_for

SMALL = {"name": "m1.small", "id": "small", "vcpus": 1, "ram": 128, "disk": 1}
HOST_SIZE = {"vcpus": 32, "memory_mb": 4096, "local_gb": 200}   # room for 128 m1.small
SETTLE_TIMEOUT = 90.0
TASK_TIMEOUT = 6          # the cell conductors' [DEFAULT] instance_task_timeout
PROJECT = "p1"


@pytest.fixture
def cloud(backend, deployment) -> Cloud:
    cell_opts = {"DEFAULT": {"instance_task_timeout": TASK_TIMEOUT}}
    cloud = start_cloud(deployment, backend, fake_size=HOST_SIZE, extra={
        "api": {"quota": {"instances": 1000, "cores": 1000, "ram": 1000 * 1024}},
        **{cell: cell_opts for cell in HOSTS}})
    resp = cloud.admin.post("/flavors", json={"flavor": SMALL})
    assert resp.status == 200, resp
    return cloud


def _boot(cloud: Cloud, count: int, name: str = "load") -> str:
    member = cloud.admin.as_user(user="u1", project=PROJECT)
    resp = member.post("/servers", json={"server": {
        "name": name, "imageRef": cloud.image, "flavorRef": SMALL["id"],
        "networks": "none", "min_count": count, "max_count": count,
        "return_reservation_id": True}})
    assert resp.status == 202, resp
    return resp.json["reservation_id"]


def _settled(cloud: Cloud, count: int) -> list[dict]:
    """Every one of ``count`` servers ACTIVE or ERROR, no task left."""
    def done():
        servers = detail(cloud.admin)
        if len(servers) == count and all(
                s["status"] in ("ACTIVE", "ERROR") and not s["OS-EXT-STS:task_state"]
                for s in servers):
            return servers
        return None
    try:
        return wait_for(done, SETTLE_TIMEOUT, f"{count} servers ACTIVE or ERROR",
                        interval=0.5, alive=cloud.d.check_alive)
    except AssertionError as exc:
        seen = collections.Counter(
            (s["status"], s["OS-EXT-STS:task_state"], s["OS-EXT-SRV-ATTR:host"])
            for s in detail(cloud.admin))
        raise AssertionError(f"{exc}; (status, task, host): {dict(seen)}") from None


def _assert_end_state(cloud: Cloud, count: int) -> list[dict]:
    """The end state, exactly: servers, placement, quota usage."""
    servers = _settled(cloud, count)
    used: dict[str, collections.Counter] = {rp: collections.Counter()
                                           for rp in cloud.providers.values()}
    small = {"VCPU": SMALL["vcpus"], "MEMORY_MB": SMALL["ram"], "DISK_GB": SMALL["disk"]}
    for server in servers:
        held = cloud.placement.get(f"/allocations/{server['id']}").json["allocations"]
        if server["status"] == "ERROR":
            assert server.get("fault", {}).get("message"), server
            assert held == {}, (server, held)
            continue
        rp = cloud.providers[server["OS-EXT-SRV-ATTR:host"]]
        assert list(held) == [rp] and held[rp]["resources"] == small, (server, held)
        used[rp].update(small)
    for rp, expected in used.items():
        usages = cloud.placement.get(f"/resource_providers/{rp}/usages").json["usages"]
        assert {k: v for k, v in usages.items() if v} == dict(expected), (rp, usages)
    resp = cloud.admin.get(f"/os-quota-sets/{PROJECT}/detail")
    assert resp.status == 200, resp
    assert resp.json["quota_set"]["instances"]["in_use"] == count, resp.json
    return servers


def _statuses(servers: list[dict]) -> dict[str, int]:
    return dict(collections.Counter(s["status"] for s in servers))


def _kill_at(cloud: Cloud, name: str, text: str, count: int, *,
             seen_in: str | None = None) -> None:
    """SIGKILL ``name`` once ``text`` is in the log of ``seen_in`` (default:
    its own) ``count`` times."""
    cloud.d.processes[seen_in or name].wait_log(text, count)
    cloud.d.kill(name)


def _assert_all_active(cloud: Cloud, count: int) -> None:
    """The end state, and nothing was short of room: every server built."""
    servers = _assert_end_state(cloud, count)
    assert _statuses(servers) == {"ACTIVE": count}, _statuses(servers)


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_broker_drops_connections_during_boot(cloud):
    count = 40
    _boot(cloud, count)
    # Once the scheduler has placed a few, and again once builds are done
    # on the hosts: requests, casts and replies in flight everywhere.
    cloud.d.processes["super-conductor"].wait_log("building ", 5)
    cloud.d.close_connections()
    cloud.d.processes["compute-cell1"].wait_log(" is active on ", 3)
    cloud.d.close_connections()
    _assert_all_active(cloud, count)


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_broker_restarted_during_boot(cloud):
    """The RabbitMQ server restarts while 100 servers boot: the casts and
    calls queued in it are lost; every server still ends ACTIVE or ERROR
    with a fault, and placement and the quota match."""
    count = 100
    _boot(cloud, count)
    cloud.d.processes["super-conductor"].wait_log("building ", 10)
    cloud.d.restart_broker()
    servers = _assert_end_state(cloud, count)
    assert _statuses(servers).get("ACTIVE"), _statuses(servers)


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_compute_killed_mid_build(cloud):
    count = 30
    _boot(cloud, count)
    # Killed once the super-conductor has cast a build to one of its hosts.
    _kill_at(cloud, "compute-cell2", "on cell2-compute-", 1, seen_in="super-conductor")
    servers = _assert_end_state(cloud, count)
    dead = set(HOSTS["cell2"])
    assert any(s["status"] == "ERROR" for s in servers), _statuses(servers)
    for server in servers:
        if server["status"] == "ERROR":
            assert "Timed out in task_state" in server["fault"]["message"], server
        else:
            assert server["OS-EXT-SRV-ATTR:host"] in set(HOSTS["cell1"]) | dead, server
    # The dead hosts come back: their reconcile changes nothing.
    start_compute(cloud.d, cloud.confs, "cell2")
    for n in (1, 2):
        cloud.d.processes["compute-cell2"].wait_log(f"compute host cell2-compute-{n} started")
    assert _statuses(_assert_end_state(cloud, count)) == _statuses(servers)


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_super_conductor_killed_with_casts_in_flight(cloud):
    """The casts the killed super-conductor held are gone with it (acked on
    receipt); their build requests are taken over by the restarted one's
    periodic check once their lease runs out (or, never leased, once they
    are that old)."""
    count = 30
    cloud.d.kill("super-conductor")
    _boot(cloud, count // 2, "queued")
    _boot(cloud, count - count // 2, "queued-too")
    start_super_conductor(cloud.d, cloud.confs)
    # Killed again while it works through the queue.
    _kill_at(cloud, "super-conductor", "building ", 1)
    start_super_conductor(cloud.d, cloud.confs)
    servers = _assert_end_state(cloud, count)
    # A kill between the hand-off's commit (build request gone, the mapping
    # on the cell) and the cast to the host leaves the server to its cell
    # conductor's stuck-task check: ERROR with that fault, nothing held
    # (checked above).  Every other one is built.
    for server in servers:
        if server["status"] == "ERROR":
            assert "Timed out in task_state scheduling" in server["fault"]["message"], server
    assert _statuses(servers).get("ACTIVE", 0) >= count - 5, _statuses(servers)


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_placement_restarted_during_claims(cloud):
    count = 30
    _boot(cloud, count)
    _kill_at(cloud, "placement", "PUT /allocations/", 3)
    start_placement(cloud.d, cloud.confs, cloud.ports["placement"])
    # The test's own client: its kept-alive connection died with the old one.
    cloud.placement = PlacementClient(cloud.urls["placement"])
    _assert_end_state(cloud, count)


@pytest.fixture
def cloud_cell2_proxied(backend, deployment) -> Cloud:
    """The deployment of :func:`cloud`, cell2's database behind a proxy.
    The scheduler keeps its host states for long: it still offers cell2's
    hosts once their database is gone, as it would within its usual few
    seconds, so the super-conductor meets a cell it cannot write."""
    cloud = start_cloud(deployment, backend, fake_size=HOST_SIZE, proxied=("cell2",), extra={
        "api": {"quota": {"instances": 1000, "cores": 1000, "ram": 1000 * 1024},
                "scheduler": {"host_state_cache_ttl": 600}}})
    resp = cloud.admin.post("/flavors", json={"flavor": SMALL})
    assert resp.status == 200, resp
    return cloud


def _boot_on(cloud: Cloud, host: str) -> str:
    """A server of the project on ``host`` (forcing a host takes an admin)."""
    admin_of_project = cloud.admin.as_user(user="u1", project=PROJECT, roles="admin")
    resp = admin_of_project.post("/servers", json={"server": {
        "name": f"on-{host}", "imageRef": cloud.image, "flavorRef": SMALL["id"],
        "networks": "none", "availability_zone": f"nova:{host}"}})
    assert resp.status == 202, resp
    return resp.json["server"]["id"]


def _timed_get(cloud: Cloud, path: str, version: str):
    started = time.monotonic()
    resp = cloud.admin.get(path, version=version)
    return resp, time.monotonic() - started


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_cell_database_unreachable(cloud_cell2_proxied):
    cloud = cloud_cell2_proxied
    ids = {host: _boot_on(cloud, host) for cell in HOSTS for host in HOSTS[cell]}
    _assert_all_active(cloud, len(ids))
    in_cell1 = {ids[h] for h in HOSTS["cell1"]}
    in_cell2 = {ids[h] for h in HOSTS["cell2"]}

    cloud.proxies["cell2"].cut()
    # 2.69+: every server, cell2's as minimal records (status UNKNOWN).
    resp, took = _timed_get(cloud, "/servers/detail?all_tenants=1", "2.69")
    assert resp.status == 200 and took < 10, (resp, took)
    shown = {s["id"]: s for s in resp.json["servers"]}
    assert set(shown) == in_cell1 | in_cell2
    assert {shown[i]["status"] for i in in_cell2} == {"UNKNOWN"}
    assert {shown[i]["status"] for i in in_cell1} == {"ACTIVE"}
    assert "OS-EXT-SRV-ATTR:host" not in shown[min(in_cell2)]
    # Before 2.69 the down cell's servers are left out.
    resp, took = _timed_get(cloud, "/servers/detail?all_tenants=1", "2.68")
    assert resp.status == 200 and took < 10, (resp, took)
    assert {s["id"] for s in resp.json["servers"]} == in_cell1
    # One of them: minimal from 2.69, 503 before.
    one = min(in_cell2)
    resp, took = _timed_get(cloud, f"/servers/{one}", "2.69")
    assert resp.status == 200 and resp.json["server"]["status"] == "UNKNOWN", resp
    resp, took = _timed_get(cloud, f"/servers/{one}", "2.68")
    assert resp.status == 503 and took < 10, (resp, took)
    # New servers go to the cell that answers.
    reservation = _boot(cloud, 4, "while-down")

    def placed():
        resp = cloud.admin.get(
            f"/servers/detail?all_tenants=1&reservation_id={reservation}", version="2.68")
        assert resp.status == 200, resp
        servers = resp.json["servers"]
        done = [s for s in servers if s["status"] in ("ACTIVE", "ERROR")]
        return servers if len(servers) == 4 and len(done) == 4 else None
    new = wait_for(placed, SETTLE_TIMEOUT, "the new servers placed", interval=0.5,
                   alive=cloud.d.check_alive)
    assert {s["status"] for s in new} == {"ACTIVE"}, new
    assert {s["OS-EXT-SRV-ATTR:host"] for s in new} <= set(HOSTS["cell1"]), new
    assert "scheduling it away from that cell" in cloud.d.processes["super-conductor"].tail(
        10**6)

    cloud.proxies["cell2"].restore()
    servers = _assert_end_state(cloud, len(ids) + 4)
    assert _statuses(servers) == {"ACTIVE": len(ids) + 4}
