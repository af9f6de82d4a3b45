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

import re

import pytest
import requests
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from tests.fixtures.compute import ComputeClient
from tests.fixtures.placement import PlacementClient
from tests.integration.cells.harness import (Distributed, entry_point, free_port,
                                             wait_for)

REPORT_INTERVAL = 0.5
HOSTS = {"cell1": ["cell1-compute-1", "cell1-compute-2"],
         "cell2": ["cell2-compute-1", "cell2-compute-2"]}
ALL_HOSTS = sorted(h for hosts in HOSTS.values() for h in hosts)
FAKE_SIZE = {"vcpus": 8, "memory_mb": 16384, "local_gb": 100}
FLAVOR = {"name": "m1.host", "id": "host", "vcpus": 8, "ram": 1024, "disk": 1}
START_TIMEOUT = 60.0
BUILD_TIMEOUT = 30.0
BUSES = ("api", *HOSTS)


@pytest.fixture
def deployment(backend, tmp_path):
    deployment = Distributed(backend, tmp_path)
    yield deployment
    problems = deployment.close()
    assert not problems, problems


def _configs(d: Distributed, urls: dict[str, str]) -> dict[str, str]:
    bus = {"oslo_messaging_rabbit": {"rabbit_retry_interval": 0.2, "rabbit_interval_max": 1,
                                     "publish_retry_timeout": 10}}
    placement_client = {"endpoint": urls["placement"], "token": "admin"}
    api_level = {"transport_url": d.bus_urls["api"], "report_interval": REPORT_INTERVAL,
                 "service_down_time": 10}
    confs = {
        # The compute API, the scheduler and the super-conductor share it:
        # the API database, the API-level bus, placement, the image API.
        "api": d.write_conf("api", {
            "DEFAULT": api_level,
            "api": {"auth_strategy": "noauth2"},
            "api_database": {"connection": d.db_urls["api"]},
            "placement_client": placement_client,
            "image_client": {"endpoint": urls["image"], "token": "admin"},
            "quota": {"instances": -1, "cores": -1, "ram": -1},
            "oslo_policy": {"policy_file": _cross_cell_policy(d)}, **bus}),
        "placement": d.write_conf("placement", {
            "api": {"auth_strategy": "noauth2"},
            "placement_database": {"connection": d.db_urls["placement"]}}),
        "image": d.write_conf("image", {
            "api": {"auth_strategy": "noauth2"},
            "image_database": {"connection": d.db_urls["image"]},
            "image_store": {"filesystem_store_datadir": str(d.workdir / "images")}}),
    }
    for cell in HOSTS:
        confs[cell] = d.write_conf(cell, {
            "DEFAULT": {"transport_url": d.bus_urls[cell], "host": f"{cell}-conductor",
                        "report_interval": REPORT_INTERVAL},
            "database": {"connection": d.db_urls[cell]},
            "placement_client": placement_client, **bus})
        # One flavor fills a host: no overcommit, nothing reserved.
        confs[f"compute-{cell}"] = d.write_conf(f"compute-{cell}", {
            "DEFAULT": {"transport_url": d.bus_urls[cell], "report_interval": REPORT_INTERVAL,
                        "update_resources_interval": 5, "cpu_allocation_ratio": 1.0,
                        "ram_allocation_ratio": 1.0, "disk_allocation_ratio": 1.0,
                        "reserved_host_memory_mb": 0},
            "placement_client": placement_client, "fake_driver": FAKE_SIZE,
            "image_client": {"endpoint": urls["image"], "token": "admin"}, **bus})
    return confs


def _cross_cell_policy(d: Distributed) -> str:
    """A policy file letting admins move servers across cells."""
    path = d.workdir / "policy.yaml"
    path.write_text('"compute:servers:resize:cross_cell": "rule:context_is_admin"\n')
    return str(path)


def _set_up_cells(d: Distributed, confs: dict[str, str]) -> None:
    api = confs["api"]
    assert "schema is current" in d.manage([api], "api_db", "sync")
    out = d.manage([api], "cell_v2", "map_cell0", "--database_connection", d.db_urls["cell0"])
    assert out.startswith("Mapped cell0"), out
    for cell in HOSTS:
        out = d.manage([api, confs[cell]], "cell_v2", "create_cell", "--name", cell,
                       "--verbose")
        assert re.fullmatch(r"[0-9a-f-]{36}", out.strip().splitlines()[-1]), out
    d.manage([api, confs["placement"], confs["cell1"]], "db", "sync")
    d.manage([api, confs["cell2"]], "db", "sync", "--local_cell")


def _start_services(d: Distributed, confs: dict[str, str], ports: dict[str, int]) -> None:
    d.start("placement", [
        *entry_point("gunicorn", "gunicorn"), "-k", "gthread", "--threads", "4", "-w", "1",
        "--graceful-timeout", "5", "-b", f"127.0.0.1:{ports['placement']}",
        "nubes.wsgi.placement:application"],
        env={"NUBES_CONFIG_FILE": confs["placement"], "HOME": str(d.workdir)})
    d.start("image", [*entry_point("nubes-image-api", "nubes.cmd.image_api"),
                      "--config-file", confs["image"], "--sync", "--host", "127.0.0.1",
                      "--port", str(ports["image"]), "--threads", "4"])
    d.start("api", [*entry_point("nubes-api", "nubes.cmd.api"), "--config-file", confs["api"],
                    "--host", "127.0.0.1", "--port", str(ports["api"]), "--threads", "8"])
    d.start("scheduler", [*entry_point("nubes-scheduler", "nubes.cmd.scheduler"),
                          "--config-file", confs["api"]])
    d.start("super-conductor", [*entry_point("nubes-conductor", "nubes.cmd.conductor"),
                                "--super", "--config-file", confs["api"]])
    for cell in HOSTS:
        d.start(f"conductor-{cell}", [*entry_point("nubes-conductor", "nubes.cmd.conductor"),
                                      "--config-file", confs[cell]])
    wait_for(lambda: requests.get(f"http://127.0.0.1:{ports['placement']}/",
                                  timeout=5).status_code == 200,
             START_TIMEOUT, "placement to answer", alive=d.check_alive)
    for cell, hosts in HOSTS.items():
        d.start(f"compute-{cell}", [
            *entry_point("nubes-compute", "nubes.cmd.compute"),
            "--config-file", confs[f"compute-{cell}"], "--hosts", str(len(hosts)),
            "--host-prefix", f"{cell}-compute-"])


def _create_image(url: str) -> str:
    """A public image, made active by uploading its (tiny) data."""
    admin = {"X-Auth-Token": "admin"}
    resp = requests.post(f"{url}/v2/images", headers=admin, timeout=30, json={
        "name": "cirros", "disk_format": "raw", "container_format": "bare",
        "visibility": "public"})
    assert resp.status_code == 201, resp.text
    image = resp.json()["id"]
    resp = requests.put(f"{url}/v2/images/{image}/file", data=b"\0" * 1024, timeout=30,
                        headers={**admin, "Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    assert requests.get(f"{url}/v2/images/{image}", headers=admin,
                        timeout=30).json()["status"] == "active"
    return image


def _boot(api: ComputeClient, image: str, name: str, count: int) -> str:
    resp = api.post("/servers", json={"server": {
        "name": name, "imageRef": image, "flavorRef": FLAVOR["id"], "networks": "none",
        "min_count": count, "max_count": count, "return_reservation_id": True}})
    assert resp.status == 202, resp
    return resp.json["reservation_id"]


def _detail(api: ComputeClient, query: str = "") -> list[dict]:
    resp = api.get(f"/servers/detail?all_tenants=1{query}")
    assert resp.status == 200, resp
    return resp.json["servers"]


def _wait_status(d: Distributed, api: ComputeClient, reservation: str, count: int,
                 status: str) -> list[dict]:
    def settled():
        servers = _detail(api, f"&reservation_id={reservation}")
        if len(servers) == count and all(s["status"] == status for s in servers):
            return servers
        if any(s["status"] == "ERROR" for s in servers) and status != "ERROR":
            pytest.fail(f"a server went to ERROR: {servers}")
        return None
    return wait_for(settled, BUILD_TIMEOUT, f"{count} servers {status}", interval=0.2,
                    alive=d.check_alive)


def _cell_instances(url: str) -> dict[str, tuple[str, str | None]]:
    """uuid -> (vm_state, newest fault message) of the live instances in a
    cell database."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inst, fault = cell_models.instances, cell_models.instance_faults
            rows = conn.execute(sa.select(inst.c.uuid, inst.c.vm_state)
                                .where(inst.c.deleted == 0)).all()
            faults = {r.instance_uuid: r.message for r in conn.execute(
                sa.select(fault.c.instance_uuid, fault.c.message)
                .order_by(fault.c.created_at, fault.c.id))}
    finally:
        engine.dispose()
    return {r.uuid: (r.vm_state, faults.get(r.uuid)) for r in rows}


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
    assert sum(1 for s in _detail(admin) if s["id"] == mover) == 1
    assert admin.post(f"/servers/{mover}/action", json={"confirmResize": None}).status == 204
    wait_for(lambda: settled("ACTIVE"), BUILD_TIMEOUT, "the confirm in cell2",
             interval=0.1, alive=d.check_alive)
    assert list(held(mover)) == [providers[target]]
    assert mover in _cell_instances(d.db_urls["cell2"])
    assert mover not in _cell_instances(d.db_urls["cell1"])
    booted[mover] = target


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_boot_list_delete_distributed(backend, deployment):
    d = deployment
    rabbit = Distributed.check_environment(backend)
    d.create_databases(("api", "placement", "image", "cell0", "cell1", "cell2"))
    d.create_vhosts(rabbit, BUSES)
    ports = {name: free_port() for name in ("placement", "image", "api")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    placement = PlacementClient(urls["placement"])
    admin = ComputeClient(urls["api"])
    member = admin.as_user(user="u1", project="p1")
    confs = _configs(d, urls)
    _set_up_cells(d, confs)
    _start_services(d, confs, ports)

    def hosts_ready():
        resp = admin.get("/os-hypervisors/detail")
        assert resp.status == 200, resp
        up = sorted(h["hypervisor_hostname"] for h in resp.json["hypervisors"]
                    if h["state"] == "up")
        providers = placement.get("/resource_providers").json["resource_providers"]
        return up == ALL_HOSTS and sorted(p["name"] for p in providers) == ALL_HOSTS
    wait_for(hosts_ready, START_TIMEOUT, "four hypervisors up with providers",
             interval=0.2, alive=d.check_alive)
    out = d.manage([confs["api"]], "cell_v2", "discover_hosts", "--verbose")
    assert "Mapped 4 new host(s)." in out, out
    providers = {p["name"]: p["uuid"] for p in
                 placement.get("/resource_providers").json["resource_providers"]}
    # The image API answers once its schema is synced.
    wait_for(lambda: requests.get(urls["image"] + "/versions", timeout=5).status_code == 200,
             START_TIMEOUT, "the image API to answer", alive=d.check_alive)

    resp = admin.post("/flavors", json={"flavor": FLAVOR})
    assert resp.status == 200, resp
    image = _create_image(urls["image"])

    # --- four servers, one per host, in both cells -------------------------------------
    reservation = _boot(member, image, "web", 4)
    servers = _wait_status(d, admin, reservation, 4, "ACTIVE")
    hosts = sorted(s["OS-EXT-SRV-ATTR:host"] for s in servers)
    assert hosts == ALL_HOSTS, hosts
    booted = {s["id"]: s["OS-EXT-SRV-ATTR:host"] for s in servers}
    for cell, cell_hosts in HOSTS.items():
        in_cell = _cell_instances(d.db_urls[cell])
        assert {u for u, h in booted.items() if h in cell_hosts} == set(in_cell), cell
        assert all(state == "active" for state, _ in in_cell.values()), in_cell
    for sid, host in booted.items():
        allocations = placement.get(f"/allocations/{sid}").json["allocations"]
        assert list(allocations) == [providers[host]], allocations
        assert allocations[providers[host]]["resources"] == {
            "VCPU": FLAVOR["vcpus"], "MEMORY_MB": FLAVOR["ram"], "DISK_GB": FLAVOR["disk"]}

    # One list across cells, sorted; the member sees the same servers.
    listed = _detail(admin, "&sort_key=display_name&sort_dir=asc")
    names = [s["name"] for s in listed]
    assert names == sorted(names) and len(names) == 4, names
    assert {s["id"] for s in listed} == set(booted)
    listed = _detail(admin, "&sort_key=display_name&sort_dir=desc")
    assert [s["name"] for s in listed] == sorted(names, reverse=True)
    resp = member.get("/servers/detail")
    assert resp.status == 200 and {s["id"] for s in resp.json["servers"]} == set(booted)

    # --- more than fits: ERROR in cell0 with NoValidHost ----------------------------------
    reservation = _boot(member, image, "extra", 2)
    failed = _wait_status(d, admin, reservation, 2, "ERROR")
    for server in failed:
        assert "No valid host" in server["fault"]["message"], server
        assert server["OS-EXT-SRV-ATTR:host"] is None, server
        assert placement.get(f"/allocations/{server['id']}").json["allocations"] == {}
    in_cell0 = _cell_instances(d.db_urls["cell0"])
    assert set(in_cell0) == {s["id"] for s in failed}, in_cell0
    for state, fault in in_cell0.values():
        assert state == "error" and "No valid host" in (fault or ""), in_cell0
    for cell in HOSTS:   # nothing of theirs reached a cell
        assert set(_cell_instances(d.db_urls[cell])) <= set(booted)
    assert len(_detail(admin)) == 6

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
    assert _detail(admin) == []
    for name in ("cell0", *HOSTS):
        assert _cell_instances(d.db_urls[name]) == {}, name

    def no_usage():
        usages = {host: placement.get(f"/resource_providers/{rp}/usages").json["usages"]
                  for host, rp in providers.items()}
        return usages if all(not any(u.values()) for u in usages.values()) else None
    wait_for(no_usage, BUILD_TIMEOUT, "every provider's usage back to zero", interval=0.1,
             alive=d.check_alive)
    for sid in everything:
        assert placement.get(f"/allocations/{sid}").json["allocations"] == {}
