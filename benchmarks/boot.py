"""Booting and deleting servers end to end, over real HTTP.

The cloud runs in its own process(es), never in the load generator's:

* embedded (default): one child process with an ``EmbeddedCloud`` on free
  ports in a temporary state directory (compute API, placement, image API,
  scheduler, super-conductor, a cell conductor per cell and
  ``--hosts-per-cell`` big fake hosts per cell, memory:// buses, SQLite), as
  ``nubes up`` runs it;
* ``--distributed``: every service its own process on a database server
  and RabbitMQ (see ``boot_distributed.py``).

Then, from ``--clients`` concurrent HTTP clients:

* **boot**: ``--servers`` creates of m1.tiny; servers/s from the first
  request until every server is ACTIVE, p50/p95 of the create call;
* **delete**: the same for ``DELETE /servers/{id}`` until the list is
  empty and every provider's usage is back to zero;

and prints one JSON document (times in milliseconds, ``cloud_cpu_s``: CPU
seconds the cloud's processes spent in each phase).

    .venv/bin/python benchmarks/boot.py --servers 1000 --cells 2 --hosts-per-cell 50
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OVERRIDES = {
    "DEFAULT": {"update_resources_interval": 3600,
                "cpu_allocation_ratio": 16.0},
    "fake_driver": {"vcpus": 1024, "memory_mb": 4 * 1024 * 1024, "local_gb": 100000},
    "quota": {"instances": -1, "cores": -1, "ram": -1},
    "api": {"max_limit": 1000},
    # Volumes are sparse files: the pool's capacity need not be the disk's.
    "file_backend": {"total_capacity_gb": 1000000},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)


# --- the embedded cloud, in a child process ---------------------------------------------

def _embedded_child(conn, cells: int, hosts_per_cell: int) -> None:
    from nubes.common import tokens
    from nubes.embedded.cloud import EmbeddedCloud, Options
    from nubes.embedded.layout import Ports

    state_dir = tempfile.mkdtemp(prefix="nubes-boot-")
    ports = Ports(identity=_free_port(), compute=_free_port(), placement=_free_port(),
                  image=_free_port(), volume=_free_port())
    cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=cells,
                                  hosts_per_cell=hosts_per_cell, ports=ports,
                                  overrides=OVERRIDES), say=lambda _line: None)
    try:
        logging.disable(logging.INFO)      # quiet while it starts, as nubes up is
        cloud.start()
        logging.disable(logging.NOTSET)
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        token, _ = tokens.codec_from_conf(cloud.conf).issue(
            user_id="bench", user_name="bench", project_id="bench", project_name="bench",
            roles=("admin", "member", "reader"), ttl=36000)
        conn.send({"compute": cloud.urls["compute"] + "/v2.1", "image": cloud.urls["image"],
                   "placement": cloud.urls["placement"], "volume": cloud.urls["volume"],
                   "token": token})
        while conn.recv() == "cpu":   # anything else: stop
            usage = resource.getrusage(resource.RUSAGE_SELF)
            conn.send(usage.ru_utime + usage.ru_stime)
    finally:
        cloud.stop()
        shutil.rmtree(state_dir, ignore_errors=True)


class EmbeddedDeployment:
    def __init__(self, cells: int, hosts_per_cell: int):
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_embedded_child,
                                    args=(child, cells, hosts_per_cell), daemon=True)
        self._process.start()
        if not self._conn.poll(300):
            raise RuntimeError("the embedded cloud did not start within 300 s")
        info = self._conn.recv()
        self.compute_url, self.image_url = info["compute"], info["image"]
        self.placement_url = info["placement"]
        self.volume_url = info["volume"]
        self.headers = {"X-Auth-Token": info["token"]}

    def cpu_seconds(self) -> float:
        self._conn.send("cpu")
        return self._conn.recv()

    def close(self) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._process.join(60)
        if self._process.is_alive():
            self._process.kill()


# --- the load generator -----------------------------------------------------------------

class Client:
    def __init__(self, deployment):
        self.base = deployment.compute_url
        self.headers = dict(deployment.headers, **{"OpenStack-API-Version": "compute 2.90"})
        self._local = threading.local()

    def session(self) -> requests.Session:
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = requests.Session()
            s.trust_env = False      # no proxy or .netrc lookups per request
            s.headers.update(self.headers)
        return s

    def count(self, query: str) -> int:
        """How many servers match (at most 1: enough to know whether any)."""
        return len(self.session().get(self.base + "/servers?limit=1&" + query,
                                      timeout=120).json()["servers"])

    def details(self) -> list[dict]:
        """Every server, as ``GET /servers/detail`` shows it (all pages)."""
        found: list[dict] = []
        url = self.base + "/servers/detail?limit=1000"
        while url:
            body = self.session().get(url, timeout=120).json()
            found.extend(body["servers"])
            links = body.get("servers_links") or []
            url = links[0]["href"] if links else None
        return found

    def statuses(self) -> dict[str, str]:
        """id -> status of every server (all pages)."""
        return {s["id"]: s["status"] for s in self.details()}


def run_pool(clients: int, fn, items) -> tuple[list[float], list, float]:
    """(latencies, results, start time)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(item):
        t0 = time.perf_counter()
        result = fn(item)
        with lock:
            latencies.append(time.perf_counter() - t0)
        return result

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, items))
    return latencies, results, start


def wait_until(predicate, deadline: float, interval: float = 0.25) -> None:
    while not predicate() and time.monotonic() < deadline:
        time.sleep(interval)


def boot_servers(deployment, client: Client, servers: int, clients: int,
                 deadline: float) -> tuple[list[str], dict, float]:
    """Create ``servers`` m1.tiny servers and wait until none is building:
    (their ids, the boot phase's figures, the cloud's CPU seconds at the end)."""
    images = requests.get(deployment.image_url + "/v2/images", headers=deployment.headers,
                          timeout=30).json()["images"]
    image = next(i["id"] for i in images if i["name"] == "cirros")

    def create(n: int) -> str:
        resp = client.session().post(client.base + "/servers", json={"server": {
            "name": f"b{n}", "imageRef": image, "flavorRef": "1", "networks": "none"}},
            timeout=120)
        if resp.status_code != 202:
            raise RuntimeError(f"create {n}: {resp.status_code} {resp.text}")
        return resp.json()["server"]["id"]

    cpu0 = deployment.cpu_seconds()
    latencies, ids, start = run_pool(clients, create, range(servers))
    created_s = time.perf_counter() - start
    # Done when no server is building any more (a cheap, filtered, one-row list).
    wait_until(lambda: client.count("status=BUILD") == 0, deadline)
    boot_s = time.perf_counter() - start
    cpu1 = deployment.cpu_seconds()
    statuses = client.statuses()
    active = sum(1 for s in statuses.values() if s == "ACTIVE")
    boot = {"servers": servers, "active": active,
            "error": sum(1 for s in statuses.values() if s == "ERROR"),
            "create_calls_s": round(created_s, 2), "all_active_s": round(boot_s, 2),
            "servers_per_s": round(active / boot_s, 1),
            "create_p50_ms": pct(latencies, 0.50), "create_p95_ms": pct(latencies, 0.95),
            "create_mean_ms": round(statistics.mean(latencies) * 1000, 2),
            "cloud_cpu_s": round(cpu1 - cpu0, 1)}
    return ids, boot, cpu1


def run(deployment, servers: int, clients: int, timeout: float) -> dict:
    client = Client(deployment)
    deadline = time.monotonic() + timeout
    ids, boot, cpu1 = boot_servers(deployment, client, servers, clients, deadline)

    def delete(sid: str) -> None:
        resp = client.session().delete(client.base + f"/servers/{sid}", timeout=120)
        if resp.status_code != 204:
            raise RuntimeError(f"delete {sid}: {resp.status_code} {resp.text}")

    latencies, _, start = run_pool(clients, delete, ids)
    deleted_calls_s = time.perf_counter() - start
    wait_until(lambda: client.count("") == 0, deadline)
    gone_s = time.perf_counter() - start
    cpu2 = deployment.cpu_seconds()
    remove = {"servers": len(ids), "delete_calls_s": round(deleted_calls_s, 2),
              "all_gone_s": round(gone_s, 2),
              "servers_per_s": round(len(ids) / gone_s, 1),
              "delete_p50_ms": pct(latencies, 0.50),
              "delete_p95_ms": pct(latencies, 0.95),
              "providers_with_usage_left": _providers_with_usage(deployment),
              "cloud_cpu_s": round(cpu2 - cpu1, 1)}
    return {"boot": boot, "delete": remove}


def _providers_with_usage(deployment) -> int:
    session = requests.Session()
    session.headers.update(dict(deployment.headers,
                                **{"OpenStack-API-Version": "placement 1.14"}))
    base = deployment.placement_url
    providers = session.get(base + "/resource_providers", timeout=60).json()
    return sum(1 for p in providers["resource_providers"]
               if any(session.get(f"{base}/resource_providers/{p['uuid']}/usages",
                                  timeout=60).json()["usages"].values()))


def add_deployment_args(parser: argparse.ArgumentParser) -> None:
    """--distributed and where it runs (boot.py and moves.py)."""
    parser.add_argument("--distributed", action="store_true",
                        help="one process per service on --database-url and --rabbit-url")
    parser.add_argument("--database-url", default=os.environ.get("NUBES_TEST_MYSQL_URL"),
                        help="server URL for --distributed (a database per schema is "
                             "created in it and dropped at the end)")
    parser.add_argument("--rabbit-url", default=os.environ.get("NUBES_TEST_RABBIT_URL"))


def deployment_from_args(parser: argparse.ArgumentParser, args):
    """The cloud the arguments ask for: embedded, or --distributed."""
    if not args.distributed:
        return EmbeddedDeployment(args.cells, args.hosts_per_cell)
    from benchmarks.boot_distributed import DistributedDeployment
    if not args.database_url or not args.rabbit_url:
        parser.error("--distributed needs --database-url and --rabbit-url")
    return DistributedDeployment(args.database_url, args.rabbit_url, args.cells,
                                 args.hosts_per_cell, OVERRIDES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--cells", type=int, default=2)
    parser.add_argument("--hosts-per-cell", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=1800.0)
    add_deployment_args(parser)
    args = parser.parse_args()

    t0 = time.perf_counter()
    deployment = deployment_from_args(parser, args)
    started_s = time.perf_counter() - t0
    try:
        result = run(deployment, args.servers, args.clients, args.timeout)
    finally:
        deployment.close()
    print(json.dumps({"mode": "distributed" if args.distributed else "embedded",
                      "cells": args.cells, "hosts_per_cell": args.hosts_per_cell,
                      "clients": args.clients, "start_up_s": round(started_s, 2),
                      **result}, indent=2))


if __name__ == "__main__":
    main()
