"""The distributed deployment of ``boot.py --distributed``: every service its
own process on a database server and RabbitMQ, set up the way an operator
does it (``docs/cells/operations.md``) and the way
``tests/integration/cells/test_boot_distributed.py`` does it, at any size.

* a throw-away database per schema (API, placement, image, cell0,
  cell1..cellC) on the server of ``database_url``; a RabbitMQ vhost for the
  API level and one per cell (``rabbitmqctl``);
* ``nubes-manage api_db sync``, ``cell_v2 map_cell0``, ``cell_v2
  create_cell`` per cell, ``db sync`` (placement, cell1, cell0) and ``db sync
  --local_cell`` for the other cells;
* placement and the compute API under gunicorn (``-k gthread``, 2 workers),
  the image API (``--sync``), ``nubes-scheduler``, ``nubes-conductor
  --super``, a ``nubes-conductor`` per cell and a ``nubes-compute`` per cell
  running ``hosts_per_cell`` fake hosts; ``cell_v2 discover_hosts`` once
  every host is up and has its provider;
* the embedded cloud's defaults (devstack's m1 flavors, a public active
  ``cirros`` image), written with the same seeding code.

Commands run as ``python -m nubes.cmd.<x>`` with this checkout first on
``PYTHONPATH`` (the venv's console scripts may import another checkout).
:meth:`DistributedDeployment.close` stops every process, drops every database
and deletes every vhost, whatever happened before; on the way it prints to
stderr the CPU seconds each process spent between ``cpu_seconds()`` calls
(and the database and RabbitMQ servers', which other users may share).
Logs and config files stay in the work directory only when start-up or
tear-down failed, or ``NUBES_BENCH_KEEP=1``.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from nubes.common.db.transaction import Database  # noqa: E402
from nubes.embedded import defaults  # noqa: E402
from tests.fixtures import databases  # noqa: E402
from tests.integration.cells.harness import (Deployment, DeploymentError,  # noqa: E402
                                             backend_of, free_port, wait_for)

START_TIMEOUT = 600.0     # seconds for every host to be up with its provider
ADMIN = {"X-Auth-Token": "admin"}   # noauth2's admin
# Every engine's pool: the defaults (10 + 20 overflow per engine, and the API,
# the scheduler and the super-conductor hold one per cell) went past
# MariaDB's default max_connections (151) at 2 cells x 50 hosts: "1040 Too
# many connections" failed deletes.  Threads wait for a connection instead.
POOL = {"max_pool_size": 4, "max_overflow": 4}
BUS = {"oslo_messaging_rabbit": {"rabbit_retry_interval": 0.2, "rabbit_interval_max": 1,
                                 "publish_retry_timeout": 10}}
# Servers whose CPU is reported beside the deployment's (never counted in it).
SERVER_COMMANDS = ("mysqld", "mariadbd", "postgres", "beam.smp")
_TICK = os.sysconf("SC_CLK_TCK")


def _say(line: str) -> None:
    print(f"boot_distributed: {line}", file=sys.stderr, flush=True)


def _merge(groups: dict[str, dict[str, Any]], overrides: dict[str, dict[str, Any]]
           ) -> dict[str, dict[str, Any]]:
    merged = {group: dict(options) for group, options in groups.items()}
    for group, options in overrides.items():
        merged.setdefault(group, {}).update(options)
    return merged


# --- CPU from /proc ---------------------------------------------------------------------

def _stats() -> dict[int, tuple[int, float, str]]:
    """pid -> (ppid, CPU seconds of it and its reaped children, comm)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:       # gone meanwhile
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        # fields[n - 3] is stat field n: 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime
        ticks = sum(int(x) for x in fields[11:15])
        found[int(entry)] = (int(fields[1]), ticks / _TICK, comm)
    return found


def _tree_cpu(root: int, stats: dict[int, tuple[int, float, str]],
              children: dict[int, list[int]]) -> float:
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
        todo += children.get(pid, [])
    return total


class _Cluster(Deployment):
    VHOST_PREFIX = "nubes-bench"

    def __init__(self, backend: str, workdir: Path):
        super().__init__(backend, workdir)
        path = os.environ.get("PYTHONPATH")
        self._env["PYTHONPATH"] = ROOT + (os.pathsep + path if path else "")

    def command(self, script: str, module: str) -> list[str]:
        return [sys.executable, "-m", module]


class DistributedDeployment:
    def __init__(self, database_url: str, rabbit_url: str, cells: int, hosts_per_cell: int,
                 overrides: dict[str, dict[str, Any]]):
        self.cells = [f"cell{i}" for i in range(1, cells + 1)]
        self.hosts = {cell: [f"{cell}-compute-{i}" for i in range(1, hosts_per_cell + 1)]
                      for cell in self.cells}
        self.overrides = overrides
        self.headers = dict(ADMIN)
        self._snapshots: list[tuple[float, dict[str, float], dict[str, float]]] = []
        self._closed = False
        self._failed = False
        self.workdir = Path(tempfile.mkdtemp(prefix="nubes-boot-distributed-"))
        backend = backend_of(database_url)
        # The shared throw-away database code reads the server from the
        # tests' variable.
        os.environ[databases.ENV[backend]] = database_url
        self._d = _Cluster(backend, self.workdir)
        ports = {name: free_port() for name in ("placement", "image", "api")}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        self.compute_url = self.urls["api"] + "/v2.1"
        self.image_url = self.urls["image"]
        self.placement_url = self.urls["placement"]
        try:
            self._build(rabbit_url, ports)
        except BaseException:
            self._failed = True
            self.close()
            raise

    # --- building -------------------------------------------------------------------

    def _build(self, rabbit_url: str, ports: dict[str, int]) -> None:
        d, t0 = self._d, time.monotonic()
        d.create_databases(("api", "placement", "image", "cell0", *self.cells))
        d.create_vhosts(rabbit_url, ("api", *self.cells))
        _say(f"{len(d.db_urls)} databases and {len(d.bus_urls)} vhosts in "
             f"{time.monotonic() - t0:.1f}s ({self.workdir})")
        confs = self._configs()
        self._set_up_cells(confs)
        _say(f"schemas and cell mappings at {time.monotonic() - t0:.1f}s")
        self._start_services(confs, ports)
        total = sum(len(h) for h in self.hosts.values())
        wait_for(self._hosts_ready, START_TIMEOUT,
                 f"{total} hypervisors up with providers", interval=1.0,
                 alive=d.check_alive)
        _say(f"{total} hosts up at {time.monotonic() - t0:.1f}s")
        out = d.manage([confs["api"]], "cell_v2", "discover_hosts", "--verbose")
        if f"Mapped {total} new host(s)." not in out:
            raise DeploymentError(f"discover_hosts did not map {total} hosts:\n{out}")
        wait_for(lambda: requests.get(self.image_url + "/versions", timeout=5).ok,
                 START_TIMEOUT, "the image API to answer", alive=d.check_alive)
        self._seed()
        _say(f"ready at {time.monotonic() - t0:.1f}s")

    def _configs(self) -> dict[str, str]:
        d = self._d
        placement_client = {"endpoint": self.placement_url, "token": "admin"}

        def write(name: str, groups: dict[str, dict[str, Any]]) -> str:
            return d.write_conf(name, _merge(groups, self.overrides))

        confs = {
            # The compute API, the scheduler and the super-conductor.
            "api": write("api", {
                "DEFAULT": {"transport_url": d.bus_urls["api"]},
                "api": {"auth_strategy": "noauth2"},
                "api_database": {"connection": d.db_urls["api"], **POOL},
                "database": POOL,
                "placement_client": placement_client,
                "image_client": {"endpoint": self.image_url, "token": "admin"}, **BUS}),
            "placement": write("placement", {
                "api": {"auth_strategy": "noauth2"},
                "placement_database": {"connection": d.db_urls["placement"], **POOL}}),
            "image": write("image", {
                "api": {"auth_strategy": "noauth2"},
                "image_database": {"connection": d.db_urls["image"], **POOL},
                "image_store": {"filesystem_store_datadir": str(self.workdir / "images")}}),
        }
        for cell in self.cells:
            confs[cell] = write(cell, {
                "DEFAULT": {"transport_url": d.bus_urls[cell], "host": f"{cell}-conductor"},
                "database": {"connection": d.db_urls[cell], **POOL},
                "placement_client": placement_client, **BUS})
            confs[f"compute-{cell}"] = write(f"compute-{cell}", {
                "DEFAULT": {"transport_url": d.bus_urls[cell]},
                "placement_client": placement_client, **BUS})
        return confs

    def _set_up_cells(self, confs: dict[str, str]) -> None:
        d, api = self._d, confs["api"]
        d.manage([api], "api_db", "sync")
        d.manage([api], "cell_v2", "map_cell0", "--database_connection", d.db_urls["cell0"])
        for cell in self.cells:
            d.manage([api, confs[cell]], "cell_v2", "create_cell", "--name", cell)
        first, *others = self.cells
        d.manage([api, confs["placement"], confs[first]], "db", "sync")
        for cell in others:
            d.manage([api, confs[cell]], "db", "sync", "--local_cell")

    def _start_services(self, confs: dict[str, str], ports: dict[str, int]) -> None:
        d = self._d

        def gunicorn(name: str, app: str, conf: str, threads: int) -> None:
            d.start(name, [sys.executable, "-m", "gunicorn", "-k", "gthread",
                           "--threads", str(threads), "-w", "2", "--graceful-timeout", "5",
                           "--timeout", "300", "-b", f"127.0.0.1:{ports[name]}", app],
                    env={"NUBES_CONFIG_FILE": conf, "HOME": str(self.workdir)})

        gunicorn("placement", "nubes.wsgi.placement:application", confs["placement"], 8)
        d.start("image", [*d.command("nubes-image-api", "nubes.cmd.image_api"),
                          "--config-file", confs["image"], "--sync", "--host", "127.0.0.1",
                          "--port", str(ports["image"]), "--threads", "8"])
        gunicorn("api", "nubes.wsgi.compute:application", confs["api"], 8)
        d.start("scheduler", [*d.command("nubes-scheduler", "nubes.cmd.scheduler"),
                              "--config-file", confs["api"]])
        d.start("super-conductor", [*d.command("nubes-conductor", "nubes.cmd.conductor"),
                                    "--super", "--config-file", confs["api"]])
        for cell in self.cells:
            d.start(f"conductor-{cell}", [*d.command("nubes-conductor", "nubes.cmd.conductor"),
                                          "--config-file", confs[cell]])
        wait_for(lambda: requests.get(self.placement_url + "/", timeout=5).status_code == 200,
                 START_TIMEOUT, "placement to answer", alive=d.check_alive)
        for cell, hosts in self.hosts.items():
            d.start(f"compute-{cell}", [
                *d.command("nubes-compute", "nubes.cmd.compute"),
                "--config-file", confs[f"compute-{cell}"], "--hosts", str(len(hosts)),
                "--host-prefix", f"{cell}-compute-"])

    def _hosts_ready(self) -> bool:
        expected = sorted(h for hosts in self.hosts.values() for h in hosts)
        resp = requests.get(self.compute_url + "/os-hypervisors/detail", timeout=30,
                            headers=self.headers)
        if resp.status_code != 200:
            return False
        up = sorted(h["hypervisor_hostname"] for h in resp.json()["hypervisors"]
                    if h["state"] == "up")
        if up != expected:
            return False
        providers = requests.get(self.placement_url + "/resource_providers", timeout=30,
                                 headers=self.headers).json()["resource_providers"]
        return sorted(p["name"] for p in providers) == expected

    def _seed(self) -> None:
        """The embedded cloud's defaults: m1 flavors and the cirros image."""
        api_db, image_db = Database(self._d.db_urls["api"]), Database(self._d.db_urls["image"])
        try:
            defaults.seed(api_db, image_db)
        finally:
            api_db.dispose()
            image_db.dispose()

    # --- measuring ------------------------------------------------------------------

    def _sample(self) -> tuple[dict[str, float], dict[str, float]]:
        """(CPU seconds per deployment process, including its children such
        as gunicorn workers; CPU seconds per database/RabbitMQ server)."""
        stats = _stats()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        mine = {name: _tree_cpu(p.popen.pid, stats, children)
                for name, p in self._d.processes.items()}
        servers: dict[str, float] = {}
        for ppid, cpu, comm in stats.values():
            if comm in SERVER_COMMANDS:
                servers[comm] = servers.get(comm, 0.0) + cpu
        return mine, servers

    def cpu_seconds(self) -> float:
        mine, servers = self._sample()
        self._snapshots.append((time.monotonic(), mine, servers))
        return sum(mine.values())

    def _report_cpu(self) -> None:
        if not self._snapshots:
            return
        self.cpu_seconds()
        _say("CPU seconds per process between cpu_seconds() calls "
             "(servers: whole server, maybe shared):")
        phases = ("boot", "delete")   # boot.py's order of cpu_seconds() calls
        pairs = zip(self._snapshots, self._snapshots[1:])
        for n, ((t0, mine0, srv0), (t1, mine1, srv1)) in enumerate(pairs):
            wall = t1 - t0
            per = {name: mine1.get(name, 0.0) - mine0.get(name, 0.0) for name in mine1}
            ranked = sorted(per.items(), key=lambda kv: -kv[1])
            srv = {name: srv1[name] - srv0.get(name, 0.0) for name in srv1}
            _say(f"  {phases[n] if n < len(phases) else 'then':6} {wall:7.1f}s wall, deployment {sum(per.values()):.1f}s CPU: "
                 + ", ".join(f"{name} {cpu:.1f}" for name, cpu in ranked)
                 + " | servers: " + ", ".join(f"{name} {cpu:.1f}" for name, cpu in srv.items()))

    # --- tear-down ------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if any(p.popen.poll() is not None for p in self._d.processes.values()):
            self._failed = True     # something died: show the logs
        try:
            self._report_cpu()
        except Exception as exc:  # noqa: BLE001 - the tear-down below must run
            _say(f"could not report CPU: {exc}")
        # Hosts first, while their conductors still answer their last calls
        # (all at once, some hosts waited for a stopped conductor).
        computes = [p for name, p in self._d.processes.items() if name.startswith("compute-")]
        for process in computes:
            process.terminate()
        for process in computes:
            if process.wait() is None:
                _say(f"{process.name} did not stop on SIGTERM: killed")
        problems = self._d.close(tails=sys.stderr if self._failed else None)
        for problem in problems:
            _say(problem)
        if self._failed or problems or os.environ.get("NUBES_BENCH_KEEP") == "1":
            _say(f"config files and logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
