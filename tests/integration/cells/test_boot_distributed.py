"""Boot, list and delete servers across cells, every service its own process,
on a real database server and RabbitMQ.

Once per backend (MariaDB/MySQL from ``NUBES_TEST_MYSQL_URL``, PostgreSQL
from ``NUBES_TEST_POSTGRES_URL``; RabbitMQ from ``NUBES_TEST_RABBIT_URL``):
skipped when a variable is unset, failed when it is set and its server does
not answer.

1. Databases (API, placement, image, cell0, cell1, cell2), a vhost per cell
   plus the API-level vhost, config files; the operator's ``nubes-manage``
   commands as in ``test_distributed.py``.
2. Processes: placement under gunicorn, the image API (``--sync``),
   ``nubes-api``, ``nubes-scheduler`` and ``nubes-conductor --super`` on the
   API bus, a ``nubes-conductor`` and a ``nubes-compute`` (two hosts) per
   cell; ``cell_v2 discover_hosts``.
3. A flavor that fills one host exactly (8 VCPU at allocation ratio 1), a
   public active image.  A member boots ``max_count`` 4: all ACTIVE, one per
   host, on hosts of both cells; ``GET /servers/detail`` is one sorted list
   across cells; placement holds each server's allocation.
4. Two more do not fit: ERROR, in cell0, with a NoValidHost fault, and no
   allocations.
5. Delete everything: gone from the API and the cells, every provider's
   usage back to zero.
"""
from __future__ import annotations

import pytest
import requests

from tests.fixtures.compute import ComputeClient
from tests.fixtures.placement import PlacementClient
from tests.integration.cells.cloud import (ALL_HOSTS, BUILD_TIMEOUT, FLAVOR, HOSTS, boot,
                                           cell_instances, detail, start_cloud,
                                           wait_status)
from tests.integration.cells.harness import Distributed, wait_for


def _snapshot_and_shelve(d: Distributed, admin: ComputeClient, placement: PlacementClient,
                         urls: dict[str, str], booted: dict[str, str],
                         providers: dict[str, str]) -> None:
    """Across processes: a snapshot's data reaches the image API from the
    compute host; a shelve offloads (its host's allocation freed) and the
    unshelve goes through the super-conductor and scheduler back to the one
    host with room, in the server's cell."""
    sid, host = sorted(booted.items())[0]

    def server():
        resp = admin.get(f"/servers/{sid}")
        assert resp.status == 200, resp
        return resp.json["server"]

    def settled(status):
        shown = server()
        return shown if shown["status"] == status and not shown[
            "OS-EXT-STS:task_state"] else None
    resp = admin.post(f"/servers/{sid}/action", json={"createImage": {"name": "snap"}})
    assert resp.status == 202, resp
    image_id = resp.json["image_id"]
    admin_token = {"X-Auth-Token": "admin"}

    def image_active():
        found = requests.get(f"{urls['image']}/v2/images/{image_id}", headers=admin_token,
                             timeout=10).json()
        return found if found["status"] == "active" else None
    image = wait_for(image_active, BUILD_TIMEOUT, "the snapshot to be active",
                     interval=0.1, alive=d.check_alive)
    assert image["instance_uuid"] == sid and image["size"] > 0, image
    wait_for(lambda: settled("ACTIVE"), BUILD_TIMEOUT, "the snapshot task to end",
             interval=0.1, alive=d.check_alive)

    def shelved_images():
        return requests.get(f"{urls['image']}/v2/images", headers=admin_token, timeout=10,
                            params={"name": f"{shown['name']}-shelved"}).json()["images"]
    shown = server()
    assert admin.post(f"/servers/{sid}/action", json={"shelve": None}).status == 202
    wait_for(lambda: settled("SHELVED_OFFLOADED"), BUILD_TIMEOUT, f"{sid} offloaded",
             interval=0.1, alive=d.check_alive)
    assert [i["status"] for i in shelved_images()] == ["active"]
    assert placement.get(f"/allocations/{sid}").json["allocations"] == {}
    assert admin.post(f"/servers/{sid}/action", json={"unshelve": None}).status == 202
    shown = wait_for(lambda: settled("ACTIVE"), BUILD_TIMEOUT, f"{sid} unshelved",
                     interval=0.1, alive=d.check_alive)
    # Every other host is full: it can only have come back where it was.
    assert shown["OS-EXT-SRV-ATTR:host"] == host, shown
    assert list(placement.get(f"/allocations/{sid}").json["allocations"]) == [providers[host]]
    wait_for(lambda: shelved_images() == [], BUILD_TIMEOUT, "the shelve's image deleted",
             interval=0.1, alive=d.check_alive)


def _resize_and_migrate(d: Distributed, admin: ComputeClient, placement: PlacementClient,
                        booted: dict[str, str], providers: dict[str, str]) -> None:
    """Across processes: a resize to the free host of the server's cell
    (the migration's uuid holding the source while it waits), confirmed;
    then a cold migration back, reverted.  Placement exact after each."""
    in_cell1 = sorted(sid for sid, host in booted.items() if host in HOSTS["cell1"])
    mover, freed = in_cell1
    source, other = booted[mover], booted.pop(freed)
    assert admin.delete(f"/servers/{freed}").status == 204
    wait_for(lambda: admin.get(f"/servers/{freed}").status == 404, BUILD_TIMEOUT,
             f"{freed} to be gone", interval=0.1, alive=d.check_alive)
    bigger = dict(FLAVOR, name="m1.host-big", id="host-big", ram=2048, disk=2)
    assert admin.post("/flavors", json={"flavor": bigger}).status == 200

    def settled(status):
        shown = admin.get(f"/servers/{mover}").json["server"]
        return shown if shown["status"] == status and not shown[
            "OS-EXT-STS:task_state"] else None

    def held(consumer):
        return placement.get(f"/allocations/{consumer}").json["allocations"]
    resp = admin.post(f"/servers/{mover}/action", json={"resize": {"flavorRef": "host-big"}})
    assert resp.status == 202, resp
    shown = wait_for(lambda: settled("VERIFY_RESIZE"), BUILD_TIMEOUT, "the resize",
                     interval=0.1, alive=d.check_alive)
    assert shown["OS-EXT-SRV-ATTR:host"] == other
    migration = admin.get(f"/os-migrations?instance_uuid={mover}",
                          headers={"OpenStack-API-Version": "compute 2.59"}
                          ).json["migrations"][0]
    assert list(held(migration["uuid"])) == [providers[source]]
    assert held(mover)[providers[other]]["resources"]["MEMORY_MB"] == 2048
    assert admin.post(f"/servers/{mover}/action", json={"confirmResize": None}).status == 204
    wait_for(lambda: settled("ACTIVE"), BUILD_TIMEOUT, "the confirm", interval=0.1,
             alive=d.check_alive)
    wait_for(lambda: held(migration["uuid"]) == {}, BUILD_TIMEOUT,
             "the migration's allocation to go", interval=0.1, alive=d.check_alive)

    assert admin.post(f"/servers/{mover}/action", json={"migrate": None}).status == 202
    shown = wait_for(lambda: settled("VERIFY_RESIZE"), BUILD_TIMEOUT, "the migration",
                     interval=0.1, alive=d.check_alive)
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert admin.post(f"/servers/{mover}/action", json={"revertResize": None}).status == 202
    shown = wait_for(lambda: settled("ACTIVE"), BUILD_TIMEOUT, "the revert", interval=0.1,
                     alive=d.check_alive)
    assert shown["OS-EXT-SRV-ATTR:host"] == other
    assert list(held(mover)) == [providers[other]]

    # Across cells: free a host of cell2 and send the server there.
    gone = next(sid for sid, host in booted.items() if host in HOSTS["cell2"])
    target = booted.pop(gone)
    assert admin.delete(f"/servers/{gone}").status == 204
    wait_for(lambda: admin.get(f"/servers/{gone}").status == 404, BUILD_TIMEOUT,
             f"{gone} to be gone", interval=0.1, alive=d.check_alive)
    resp = admin.post(f"/servers/{mover}/action", json={"migrate": {"host": target}},
                      headers={"OpenStack-API-Version": "compute 2.56"})
    assert resp.status == 202, resp
    shown = wait_for(lambda: settled("VERIFY_RESIZE"), BUILD_TIMEOUT, "the move to cell2",
                     interval=0.1, alive=d.check_alive)
    assert shown["OS-EXT-SRV-ATTR:host"] == target
    assert sum(1 for s in detail(admin) if s["id"] == mover) == 1
    assert admin.post(f"/servers/{mover}/action", json={"confirmResize": None}).status == 204
    wait_for(lambda: settled("ACTIVE"), BUILD_TIMEOUT, "the confirm in cell2",
             interval=0.1, alive=d.check_alive)
    assert list(held(mover)) == [providers[target]]
    assert mover in cell_instances(d.db_urls["cell2"])
    assert mover not in cell_instances(d.db_urls["cell1"])
    booted[mover] = target


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_boot_list_delete_distributed(backend, deployment):
    d = deployment
    cloud = start_cloud(d, backend)
    urls, placement, admin, providers, image = (cloud.urls, cloud.placement, cloud.admin,
                                                cloud.providers, cloud.image)
    member = admin.as_user(user="u1", project="p1")

    # --- four servers, one per host, in both cells -------------------------------------
    reservation = boot(member, image, "web", 4)
    servers = wait_status(d, admin, reservation, 4, "ACTIVE")
    hosts = sorted(s["OS-EXT-SRV-ATTR:host"] for s in servers)
    assert hosts == ALL_HOSTS, hosts
    booted = {s["id"]: s["OS-EXT-SRV-ATTR:host"] for s in servers}
    for cell, cell_hosts in HOSTS.items():
        in_cell = cell_instances(d.db_urls[cell])
        assert {u for u, h in booted.items() if h in cell_hosts} == set(in_cell), cell
        assert all(state == "active" for state, _ in in_cell.values()), in_cell
    for sid, host in booted.items():
        allocations = placement.get(f"/allocations/{sid}").json["allocations"]
        assert list(allocations) == [providers[host]], allocations
        assert allocations[providers[host]]["resources"] == {
            "VCPU": FLAVOR["vcpus"], "MEMORY_MB": FLAVOR["ram"], "DISK_GB": FLAVOR["disk"]}

    # One list across cells, sorted; the member sees the same servers.
    listed = detail(admin, "&sort_key=display_name&sort_dir=asc")
    names = [s["name"] for s in listed]
    assert names == sorted(names) and len(names) == 4, names
    assert {s["id"] for s in listed} == set(booted)
    listed = detail(admin, "&sort_key=display_name&sort_dir=desc")
    assert [s["name"] for s in listed] == sorted(names, reverse=True)
    resp = member.get("/servers/detail")
    assert resp.status == 200 and {s["id"] for s in resp.json["servers"]} == set(booted)

    # --- more than fits: ERROR in cell0 with NoValidHost ----------------------------------
    reservation = boot(member, image, "extra", 2)
    failed = wait_status(d, admin, reservation, 2, "ERROR")
    for server in failed:
        assert "No valid host" in server["fault"]["message"], server
        assert server["OS-EXT-SRV-ATTR:host"] is None, server
        assert placement.get(f"/allocations/{server['id']}").json["allocations"] == {}
    in_cell0 = cell_instances(d.db_urls["cell0"])
    assert set(in_cell0) == {s["id"] for s in failed}, in_cell0
    for state, fault in in_cell0.values():
        assert state == "error" and "No valid host" in (fault or ""), in_cell0
    for cell in HOSTS:   # nothing of theirs reached a cell
        assert set(cell_instances(d.db_urls[cell])) <= set(booted)
    assert len(detail(admin)) == 6

    _snapshot_and_shelve(d, admin, placement, urls, booted, providers)
    _resize_and_migrate(d, admin, placement, booted, providers)

    # --- delete everything ----------------------------------------------------------------
    everything = [*booted, *(s["id"] for s in failed)]
    for sid in everything:
        resp = member.delete(f"/servers/{sid}")
        assert resp.status == 204, resp
    for sid in everything:
        wait_for(lambda: admin.get(f"/servers/{sid}").status == 404, BUILD_TIMEOUT,
                 f"{sid} to be gone", interval=0.1, alive=d.check_alive)
    assert detail(admin) == []
    for name in ("cell0", *HOSTS):
        assert cell_instances(d.db_urls[name]) == {}, name

    def no_usage():
        usages = {host: placement.get(f"/resource_providers/{rp}/usages").json["usages"]
                  for host, rp in providers.items()}
        return usages if all(not any(u.values()) for u in usages.values()) else None
    wait_for(no_usage, BUILD_TIMEOUT, "every provider's usage back to zero", interval=0.1,
             alive=d.check_alive)
    for sid in everything:
        assert placement.get(f"/allocations/{sid}").json["allocations"] == {}
