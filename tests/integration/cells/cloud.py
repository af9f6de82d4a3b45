"""The distributed deployment of the cells tests, set up as an operator does.

Two cells of two fake hosts each; every service its own process (placement
under gunicorn, the image API, ``nubes-api``, ``nubes-scheduler`` and
``nubes-conductor --super`` on the API bus, a ``nubes-conductor`` and a
``nubes-compute`` per cell).  Used by ``test_boot_distributed.py`` and
``test_faults_distributed.py``: :func:`start_cloud` does it all and answers a
:class:`Cloud`.
"""
from __future__ import annotations

import dataclasses
import re

import pytest
import requests
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from tests.fixtures.compute import ComputeClient
from tests.fixtures.placement import PlacementClient
from tests.fixtures.tcp_proxy import TcpProxy
from tests.integration.cells import volumes as block_storage
from tests.integration.cells.harness import (Distributed, entry_point, free_ports,
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
BUS_OPTIONS = {"oslo_messaging_rabbit": {"rabbit_retry_interval": 0.2, "rabbit_interval_max": 1,
                                         "publish_retry_timeout": 10}}


GRACE = 10   # [DEFAULT] graceful_shutdown_timeout of the RPC services, < STOP_TIMEOUT


def configs(d: Distributed, urls: dict[str, str], *, fake_size: dict | None = None,
            extra: dict[str, dict[str, dict]] | None = None) -> dict[str, str]:
    """Config files by name (api, placement, image, each cell, compute-CELL);
    ``extra[name]`` adds options to that file's groups."""
    extra = extra or {}

    def write(name: str, groups: dict[str, dict]) -> str:
        for group, options in extra.get(name, {}).items():
            groups[group] = {**groups.get(group, {}), **options}
        return d.write_conf(name, groups)
    bus = BUS_OPTIONS
    placement_client = {"endpoint": urls["placement"], "token": "admin"}
    # build_request_lease: a killed super-conductor's builds are taken over
    # within half a minute (above the scheduler's 15 s of placement retries).
    # graceful_shutdown_timeout: a process whose work under way waits on a
    # call a restarted broker lost exits within the harness's STOP_TIMEOUT.
    api_level = {"transport_url": d.bus_urls["api"], "report_interval": REPORT_INTERVAL,
                 "service_down_time": 10, "build_request_lease": 30,
                 "graceful_shutdown_timeout": GRACE}
    confs = {
        # The compute API, the scheduler and the super-conductor share it:
        # the API database, the API-level bus, placement, the image API.
        "api": write("api", {
            "DEFAULT": api_level,
            "api": {"auth_strategy": "noauth2"},
            "api_database": {"connection": d.db_urls["api"]},
            "placement_client": placement_client,
            "image_client": {"endpoint": urls["image"], "token": "admin"},
            "quota": {"instances": -1, "cores": -1, "ram": -1},
            "oslo_policy": {"policy_file": cross_cell_policy(d)}, **bus}),
        "placement": write("placement", {
            "api": {"auth_strategy": "noauth2"},
            "placement_database": {"connection": d.db_urls["placement"]}}),
        "image": write("image", {
            "api": {"auth_strategy": "noauth2"},
            "image_database": {"connection": d.db_urls["image"]},
            "image_store": {"filesystem_store_datadir": str(d.workdir / "images")}}),
    }
    for cell in HOSTS:
        confs[cell] = write(cell, {
            "DEFAULT": {"transport_url": d.bus_urls[cell], "host": f"{cell}-conductor",
                        "report_interval": REPORT_INTERVAL,
                        "graceful_shutdown_timeout": GRACE},
            "database": {"connection": d.db_urls[cell]},
            "placement_client": placement_client, **bus})
        # One flavor fills a host: no overcommit, nothing reserved.
        confs[f"compute-{cell}"] = write(f"compute-{cell}", {
            "DEFAULT": {"transport_url": d.bus_urls[cell], "report_interval": REPORT_INTERVAL,
                        "update_resources_interval": 5, "cpu_allocation_ratio": 1.0,
                        "ram_allocation_ratio": 1.0, "disk_allocation_ratio": 1.0,
                        "reserved_host_memory_mb": 0, "graceful_shutdown_timeout": GRACE},
            "placement_client": placement_client, "fake_driver": fake_size or FAKE_SIZE,
            "image_client": {"endpoint": urls["image"], "token": "admin"}, **bus})
    return confs


def cross_cell_policy(d: Distributed) -> str:
    """A policy file letting admins move servers across cells."""
    path = d.workdir / "policy.yaml"
    path.write_text('"compute:servers:resize:cross_cell": "rule:context_is_admin"\n')
    return str(path)


def set_up_cells(d: Distributed, confs: dict[str, str]) -> None:
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


def start_placement(d: Distributed, confs: dict[str, str], port: int) -> None:
    """Placement under gunicorn (again, after a stop: same name, same port)."""
    d.start("placement", [
        *entry_point("gunicorn", "gunicorn"), "-k", "gthread", "--threads", "4", "-w", "1",
        "--graceful-timeout", "5", "-b", f"127.0.0.1:{port}",
        "nubes.wsgi.placement:application"],
        env={"NUBES_CONFIG_FILE": confs["placement"], "HOME": str(d.workdir)})
    wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/",
                                  timeout=5).status_code == 200,
             START_TIMEOUT, "placement to answer", alive=d.check_alive)


def start_super_conductor(d: Distributed, confs: dict[str, str]) -> None:
    d.start("super-conductor", [*entry_point("nubes-conductor", "nubes.cmd.conductor"),
                                "--super", "--config-file", confs["api"]])


def start_compute(d: Distributed, confs: dict[str, str], cell: str) -> None:
    """The compute process of a cell (all its hosts)."""
    d.start(f"compute-{cell}", [
        *entry_point("nubes-compute", "nubes.cmd.compute"),
        "--config-file", confs[f"compute-{cell}"], "--hosts", str(len(HOSTS[cell])),
        "--host-prefix", f"{cell}-compute-"])


def start_services(d: Distributed, confs: dict[str, str], ports: dict[str, int]) -> None:
    d.start("image", [*entry_point("nubes-image-api", "nubes.cmd.image_api"),
                      "--config-file", confs["image"], "--sync", "--host", "127.0.0.1",
                      "--port", str(ports["image"]), "--threads", "4"])
    d.start("api", [*entry_point("nubes-api", "nubes.cmd.api"), "--config-file", confs["api"],
                    "--host", "127.0.0.1", "--port", str(ports["api"]), "--threads", "8"])
    d.start("scheduler", [*entry_point("nubes-scheduler", "nubes.cmd.scheduler"),
                          "--config-file", confs["api"]])
    start_super_conductor(d, confs)
    for cell in HOSTS:
        d.start(f"conductor-{cell}", [*entry_point("nubes-conductor", "nubes.cmd.conductor"),
                                      "--config-file", confs[cell]])
    start_placement(d, confs, ports["placement"])
    for cell in HOSTS:
        start_compute(d, confs, cell)


@dataclasses.dataclass
class Cloud:
    """What a test drives: the deployment, its config files, ports and URLs,
    clients, providers by host name, a public active image."""
    d: Distributed
    confs: dict[str, str]
    ports: dict[str, int]
    urls: dict[str, str]
    admin: ComputeClient
    placement: PlacementClient
    providers: dict[str, str]
    image: str
    #: database name -> the proxy its URL goes through (``proxied``)
    proxies: dict[str, TcpProxy] = dataclasses.field(default_factory=dict)
    #: the volume API (``volumes=True``), else None
    volumes: block_storage.VolumeApi | None = None


def _with_volumes(extra: dict[str, dict[str, dict]] | None,
                  url: str) -> dict[str, dict[str, dict]]:
    """``extra`` plus the volume endpoint in the compute API's and the
    compute hosts' files."""
    extra = dict(extra or {})
    for name in ("api", *(f"compute-{cell}" for cell in HOSTS)):
        extra[name] = {**extra.get(name, {}), **block_storage.endpoint_options(url)}
    return extra


def start_cloud(d: Distributed, backend: str, *, fake_size: dict | None = None,
                extra: dict[str, dict[str, dict]] | None = None,
                proxied: tuple[str, ...] = (), volumes: bool = False) -> Cloud:
    """Everything up, hosts discovered, the flavor :data:`FLAVOR` and an
    image made.  ``proxied``: databases (e.g. ``"cell2"``) every process
    reaches through a :class:`TcpProxy` the test can cut.  ``volumes``: the
    volume manager and the volume API too (:mod:`.volumes`), which the
    compute API and hosts use."""
    rabbit = Distributed.check_environment(backend)
    block = ("volume",) if volumes else ()
    d.create_databases(("api", "placement", "image", "cell0", "cell1", "cell2", *block))
    proxies = {}
    for name in proxied:
        url = sa.engine.make_url(d.db_urls[name])
        proxies[name] = TcpProxy(url.host, url.port).start()
        d.on_close(proxies[name].stop)
        d.db_urls[name] = url.set(port=proxies[name].port).render_as_string(
            hide_password=False)
    d.create_vhosts(rabbit, BUSES + block)
    ports = free_ports("placement", "image", "api", *block)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    placement = PlacementClient(urls["placement"])
    admin = ComputeClient(urls["api"])
    if volumes:
        extra = _with_volumes(extra, urls["volume"])
    confs = configs(d, urls, fake_size=fake_size, extra=extra)
    if volumes:
        # Its schema made while the operator's commands run.
        confs["volume"] = block_storage.volume_conf(d, urls, BUS_OPTIONS)
        block_storage.start_manager(d, confs["volume"])
    set_up_cells(d, confs)
    start_services(d, confs, ports)
    if volumes:
        block_storage.start_api(d, confs["volume"], ports["volume"])

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
    volume_api = None
    if volumes:
        block_storage.wait_api(d, urls["volume"])
        volume_api = block_storage.VolumeApi(d, urls["volume"])
    return Cloud(d, confs, ports, urls, admin, placement, providers,
                 create_image(urls["image"]), proxies, volume_api)


def create_image(url: str) -> str:
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


def boot(api: ComputeClient, image: str, name: str, count: int) -> str:
    resp = api.post("/servers", json={"server": {
        "name": name, "imageRef": image, "flavorRef": FLAVOR["id"], "networks": "none",
        "min_count": count, "max_count": count, "return_reservation_id": True}})
    assert resp.status == 202, resp
    return resp.json["reservation_id"]


def detail(api: ComputeClient, query: str = "") -> list[dict]:
    resp = api.get(f"/servers/detail?all_tenants=1{query}")
    assert resp.status == 200, resp
    return resp.json["servers"]


def wait_status(d: Distributed, api: ComputeClient, reservation: str, count: int,
                 status: str) -> list[dict]:
    def settled():
        servers = detail(api, f"&reservation_id={reservation}")
        if len(servers) == count and all(s["status"] == status for s in servers):
            return servers
        if any(s["status"] == "ERROR" for s in servers) and status != "ERROR":
            pytest.fail(f"a server went to ERROR: {servers}")
        return None
    return wait_for(settled, BUILD_TIMEOUT, f"{count} servers {status}", interval=0.2,
                    alive=d.check_alive)


def cell_instances(url: str) -> dict[str, tuple[str, str | None]]:
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


