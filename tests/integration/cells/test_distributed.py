"""Cells v2, distributed: every service its own process, on a real database
server and RabbitMQ, set up the way an operator does it.

Once per backend (MariaDB/MySQL from ``NUBES_TEST_MYSQL_URL``, PostgreSQL
from ``NUBES_TEST_POSTGRES_URL``; RabbitMQ from ``NUBES_TEST_RABBIT_URL``):
skipped when a variable is unset, failed when it is set and its server does
not answer.

1. Databases (API, placement, cell0, cell1, cell2), a vhost per cell, config
   files; ``nubes-manage api_db sync``, ``cell_v2 map_cell0``, ``cell_v2
   create_cell`` for both cells, ``db sync`` (placement, cell1 and, through
   its mapping, cell0) and ``db sync --local_cell`` for cell2.
2. Processes: placement under gunicorn, ``nubes-api``, a ``nubes-conductor``
   per cell, a ``nubes-compute`` per cell (two hosts in cell1, one in cell2);
   then ``nubes-manage cell_v2 discover_hosts --verbose``.
3. Through the compute API: every compute and conductor is up, the three
   hosts are hypervisors, and placement has their providers and inventories.
4. Disabling a compute service through the API puts COMPUTE_STATUS_DISABLED
   on its provider within a few report intervals.
5. SIGTERM to cell2's compute process: its reports stop, and its service
   shows down once ``service_down_time`` has passed since the last one; the
   others stay up.
"""
from __future__ import annotations

import datetime
import re

import pytest
import requests

from nubes.common.timeutils import utcnow
from tests.fixtures.compute import ComputeClient
from tests.fixtures.placement import PlacementClient
from tests.integration.cells.harness import (Distributed, entry_point, free_ports,
                                             wait_for)

REPORT_INTERVAL = 0.5       # every service's liveness report, seconds
SERVICE_DOWN_TIME = 5       # the API's [DEFAULT] service_down_time (an integer)
HOSTS = {"cell1": ["cell1-compute-1", "cell1-compute-2"], "cell2": ["cell2-compute-1"]}
CONDUCTORS = {cell: f"{cell}-conductor" for cell in HOSTS}
FAKE_SIZE = {"vcpus": 8, "memory_mb": 16384, "local_gb": 100}
DISABLED = "COMPUTE_STATUS_DISABLED"
START_TIMEOUT = 60.0


def _configs(d: Distributed, placement_url: str) -> dict[str, str]:
    bus = {"oslo_messaging_rabbit": {"rabbit_retry_interval": 0.2, "rabbit_interval_max": 1,
                                     "publish_retry_timeout": 10}}
    placement_client = {"endpoint": placement_url, "token": "admin"}
    confs = {
        "api": d.write_conf("api", {
            "DEFAULT": {"service_down_time": SERVICE_DOWN_TIME},
            "api": {"auth_strategy": "noauth2"},
            "api_database": {"connection": d.db_urls["api"]},
            "placement_client": placement_client, **bus}),
        "placement": d.write_conf("placement", {
            "api": {"auth_strategy": "noauth2"},
            "placement_database": {"connection": d.db_urls["placement"]}}),
    }
    for cell in HOSTS:
        # The cell's own file (its bus and database): the conductor's, and
        # what the operator adds to the API's for create_cell and db sync.
        confs[cell] = d.write_conf(cell, {
            "DEFAULT": {"transport_url": d.bus_urls[cell], "host": CONDUCTORS[cell],
                        "report_interval": REPORT_INTERVAL},
            "database": {"connection": d.db_urls[cell]}, **bus})
        # Compute hosts get no database at all: only the bus and placement.
        confs[f"compute-{cell}"] = d.write_conf(f"compute-{cell}", {
            "DEFAULT": {"transport_url": d.bus_urls[cell], "report_interval": REPORT_INTERVAL,
                        "update_resources_interval": 5},
            "placement_client": placement_client, "fake_driver": FAKE_SIZE, **bus})
    return confs


def _set_up_cells(d: Distributed, confs: dict[str, str]) -> dict[str, str]:
    """The operator's commands; the cells' uuids."""
    api = confs["api"]
    assert "schema is current" in d.manage([api], "api_db", "sync")
    out = d.manage([api], "cell_v2", "map_cell0", "--database_connection", d.db_urls["cell0"])
    assert out.startswith("Mapped cell0"), out
    cell_uuids = {}
    for cell in HOSTS:
        out = d.manage([api, confs[cell]], "cell_v2", "create_cell", "--name", cell,
                       "--verbose")
        cell_uuids[cell] = out.strip().splitlines()[-1]
        assert re.fullmatch(r"[0-9a-f-]{36}", cell_uuids[cell]), out
    out = d.manage([api, confs["placement"], confs["cell1"]], "db", "sync")
    for what in ("placement database", "cell database", "cell0 database"):
        assert what in out, out
    d.manage([api, confs["cell2"]], "db", "sync", "--local_cell")
    return cell_uuids


def _start_services(d: Distributed, confs: dict[str, str], ports: dict[str, int]) -> None:
    d.start("placement", [
        *entry_point("gunicorn", "gunicorn"), "-k", "gthread", "--threads", "4", "-w", "1",
        "--graceful-timeout", "5", "-b", f"127.0.0.1:{ports['placement']}",
        "nubes.wsgi.placement:application"],
        # HOME: gunicorn 25+ puts its control socket under ~/.gunicorn; keep
        # it in this test's directory, away from other gunicorns.
        env={"NUBES_CONFIG_FILE": confs["placement"], "HOME": str(d.workdir)})
    d.start("api", [*entry_point("nubes-api", "nubes.cmd.api"), "--config-file", confs["api"],
                    "--host", "127.0.0.1", "--port", str(ports["api"]), "--threads", "4"])
    for cell in HOSTS:
        d.start(f"conductor-{cell}", [*entry_point("nubes-conductor", "nubes.cmd.conductor"),
                                      "--config-file", confs[cell]])
    # Hosts sync to placement as they start: let it answer first.
    wait_for(lambda: requests.get(f"http://127.0.0.1:{ports['placement']}/",
                                  timeout=5).status_code == 200,
             START_TIMEOUT, "placement to answer", alive=d.check_alive)
    for cell, hosts in HOSTS.items():
        d.start(f"compute-{cell}", [
            *entry_point("nubes-compute", "nubes.cmd.compute"),
            "--config-file", confs[f"compute-{cell}"], "--hosts", str(len(hosts)),
            "--host-prefix", f"{cell}-compute-"])


def _services(api: ComputeClient) -> dict[tuple[str, str], dict]:
    resp = api.get("/os-services")
    assert resp.status == 200, resp
    return {(s["host"], s["binary"]): s for s in resp.json["services"]}


def _hypervisors(api: ComputeClient) -> dict[str, dict]:
    resp = api.get("/os-hypervisors/detail")
    assert resp.status == 200, resp
    return {h["hypervisor_hostname"]: h for h in resp.json["hypervisors"]}


def _traits(placement: PlacementClient, provider: str) -> list[str]:
    resp = placement.get(f"/resource_providers/{provider}/traits")
    assert resp.status == 200, resp
    return resp.json["traits"]


ALL_HOSTS = sorted(h for hosts in HOSTS.values() for h in hosts)
EXPECTED = ({(h, "nova-compute") for h in ALL_HOSTS}
            | {(c, "nova-conductor") for c in CONDUCTORS.values()})


@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_cells_v2_distributed(backend, deployment):
    d = deployment
    rabbit = Distributed.check_environment(backend)
    d.create_databases(("api", "placement", "cell0", "cell1", "cell2"))
    d.create_vhosts(rabbit)
    ports = free_ports("placement", "api")
    placement = PlacementClient(f"http://127.0.0.1:{ports['placement']}")
    api = ComputeClient(f"http://127.0.0.1:{ports['api']}")
    confs = _configs(d, placement.base_url)
    cell_uuids = _set_up_cells(d, confs)

    _start_services(d, confs, ports)

    def all_up():
        services = _services(api)
        return set(services) == EXPECTED and all(s["state"] == "up"
                                                 for s in services.values())
    wait_for(all_up, START_TIMEOUT, "every compute and conductor up in os-services",
             interval=0.2, alive=d.check_alive)
    wait_for(lambda: sorted(_hypervisors(api)) == ALL_HOSTS, START_TIMEOUT,
             "three hypervisors", interval=0.2, alive=d.check_alive)

    # --- hosts mapped by the operator's command -----------------------------------
    out = d.manage([confs["api"]], "cell_v2", "discover_hosts", "--verbose")
    assert "Mapped 3 new host(s)." in out, out
    for host in ALL_HOSTS:
        assert host in out, out
    listed = d.manage([confs["api"]], "cell_v2", "list_hosts")
    for cell, hosts in HOSTS.items():
        for host in hosts:
            assert re.search(rf"\|\s*{cell}\s*\|\s*{cell_uuids[cell]}\s*\|\s*{host}\s*\|",
                             listed), listed

    # --- what the compute API and placement show ------------------------------------
    services = _services(api)
    assert set(services) == EXPECTED
    for (host, binary), service in services.items():
        assert (service["state"], service["status"]) == ("up", "enabled"), service
        assert service["zone"] == ("nova" if binary == "nova-compute" else "internal")
    hypervisors = _hypervisors(api)
    assert sorted(hypervisors) == ALL_HOSTS
    providers = placement.get("/resource_providers")
    assert providers.status == 200, providers
    assert sorted(p["name"] for p in providers.json["resource_providers"]) == ALL_HOSTS
    for host, hv in hypervisors.items():
        assert (hv["state"], hv["status"], hv["service"]["host"]) == ("up", "enabled", host)
        provider = placement.get(f"/resource_providers/{hv['id']}")
        assert provider.status == 200 and provider.json["name"] == host, provider
        inventories = placement.get(f"/resource_providers/{hv['id']}/inventories").json
        totals = {rc: inv["total"] for rc, inv in inventories["inventories"].items()}
        assert totals == {"VCPU": FAKE_SIZE["vcpus"], "MEMORY_MB": FAKE_SIZE["memory_mb"],
                          "DISK_GB": FAKE_SIZE["local_gb"]}, inventories
        assert DISABLED not in _traits(placement, hv["id"])

    # --- disabling a service reaches its provider ------------------------------------
    target = "cell1-compute-2"
    resp = api.put(f"/os-services/{services[(target, 'nova-compute')]['id']}",
                   json={"status": "disabled", "disabled_reason": "integration test"})
    assert resp.status == 200, resp
    assert resp.json["service"]["status"] == "disabled"
    # The API casts to the host at once (the host's next report would do it
    # too); the bound leaves room for a loaded machine.
    wait_for(lambda: DISABLED in _traits(placement, hypervisors[target]["id"]),
             20 * REPORT_INTERVAL, f"{DISABLED} on {target}'s provider", interval=0.05)
    for host, hv in hypervisors.items():
        assert (DISABLED in _traits(placement, hv["id"])) == (host == target), host
    assert _hypervisors(api)[target]["status"] == "disabled"

    # --- a stopped compute process is reported down -----------------------------------
    stopped = HOSTS["cell2"][0]
    assert d.stop("compute-cell2") == 0, d.processes["compute-cell2"].tail()
    exited = utcnow()

    def stopped_is_down():
        services = _services(api)
        return services if services[(stopped, "nova-compute")]["state"] == "down" else None
    services = wait_for(stopped_is_down, SERVICE_DOWN_TIME + 10, f"{stopped} to be down",
                        interval=0.1, alive=d.check_alive)
    seen = utcnow()
    # Its reports stopped with the process, and it was shown down only once
    # service_down_time had passed since the last one.
    last = _timestamp(services[(stopped, "nova-compute")]["updated_at"])
    assert last <= exited, (last, exited)
    assert (seen - last).total_seconds() >= SERVICE_DOWN_TIME, (seen, last)
    for key, service in services.items():
        if key != (stopped, "nova-compute"):
            assert service["state"] == "up", service
    assert _hypervisors(api)[stopped]["state"] == "down"


def _timestamp(text: str) -> datetime.datetime:
    """An API timestamp as a naive UTC datetime, like ``utcnow()``."""
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value
