"""Booting and deleting servers end to end, over real HTTP.

Starts an embedded cloud in this process (``EmbeddedCloud`` on free ports
in a temporary state directory: compute API, placement, image API,
scheduler, super-conductor, a cell conductor per cell and ``--hosts-per-cell``
big fake hosts per cell, memory:// buses, SQLite), then

* **boot**: ``--servers`` creates of m1.tiny from a pool of ``--clients``
  concurrent HTTP clients; servers/s from the first request until every
  server is ACTIVE, and p50/p95 of the create call;
* **delete**: the same for ``DELETE /servers/{id}`` until the list is
  empty and every provider's usage is back to zero;

and prints one JSON document (times in milliseconds).

    .venv/bin/python benchmarks/boot.py --servers 1000 --cells 2 --hosts-per-cell 50
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nubes.common import tokens  # noqa: E402
from nubes.embedded.cloud import EmbeddedCloud, Options  # noqa: E402
from nubes.embedded.layout import Ports  # noqa: E402
from nubes.placement.client import PlacementClient  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)


class Client:
    def __init__(self, base: str, token: str):
        self.base = base
        self.token = token
        self._local = threading.local()

    def session(self) -> requests.Session:
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = requests.Session()
            s.headers.update({"X-Auth-Token": self.token,
                              "OpenStack-API-Version": "compute 2.90"})
        return s

    def statuses(self) -> dict[str, str]:
        """id -> status of every server (all pages)."""
        found: dict[str, str] = {}
        url = self.base + "/servers/detail?limit=1000"
        while url:
            body = self.session().get(url, timeout=120).json()
            for s in body["servers"]:
                found[s["id"]] = s["status"]
            links = body.get("servers_links") or []
            url = links[0]["href"] if links else None
        return found


def _run_pool(clients: int, fn, items) -> tuple[list[float], list, float]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--cells", type=int, default=2)
    parser.add_argument("--hosts-per-cell", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()

    state_dir = tempfile.mkdtemp(prefix="nubes-boot-")
    ports = Ports(identity=_free_port(), compute=_free_port(), placement=_free_port(),
                  image=_free_port())
    overrides = {
        "DEFAULT": {"report_interval": 5.0, "update_resources_interval": 3600,
                    "cpu_allocation_ratio": 16.0},
        "fake_driver": {"vcpus": 1024, "memory_mb": 4 * 1024 * 1024, "local_gb": 100000},
        "quota": {"instances": -1, "cores": -1, "ram": -1},
        "api": {"max_limit": 1000},
    }
    cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=args.cells,
                                  hosts_per_cell=args.hosts_per_cell, ports=ports,
                                  overrides=overrides), say=lambda _line: None)
    t0 = time.perf_counter()
    cloud.start()
    started_s = time.perf_counter() - t0
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        codec = tokens.codec_from_conf(cloud.conf)
        token, _ = codec.issue(user_id="bench", user_name="bench", project_id="bench",
                               project_name="bench", roles=("admin", "member", "reader"),
                               ttl=36000)
        client = Client(cloud.urls["compute"] + "/v2.1", token)
        images = requests.get(cloud.urls["image"] + "/v2/images",
                              headers={"X-Auth-Token": token}, timeout=30).json()["images"]
        image = next(i["id"] for i in images if i["name"] == "cirros")

        def create(n: int) -> str:
            resp = client.session().post(client.base + "/servers", json={"server": {
                "name": f"b{n}", "imageRef": image, "flavorRef": "1",
                "networks": "none"}}, timeout=120)
            if resp.status_code != 202:
                raise RuntimeError(f"create {n}: {resp.status_code} {resp.text}")
            return resp.json()["server"]["id"]

        latencies, ids, start = _run_pool(args.clients, create, range(args.servers))
        created_s = time.perf_counter() - start
        deadline = time.monotonic() + args.timeout
        while True:
            statuses = client.statuses()
            active = sum(1 for s in statuses.values() if s == "ACTIVE")
            errors = sum(1 for s in statuses.values() if s == "ERROR")
            if active + errors >= args.servers or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        boot_s = time.perf_counter() - start
        boot = {"servers": args.servers, "active": active, "error": errors,
                "create_calls_s": round(created_s, 2), "all_active_s": round(boot_s, 2),
                "servers_per_s": round(active / boot_s, 1),
                "create_p50_ms": _pct(latencies, 0.50), "create_p95_ms": _pct(latencies, 0.95),
                "create_mean_ms": round(statistics.mean(latencies) * 1000, 2)}

        def delete(sid: str) -> None:
            resp = client.session().delete(client.base + f"/servers/{sid}", timeout=120)
            if resp.status_code != 204:
                raise RuntimeError(f"delete {sid}: {resp.status_code} {resp.text}")

        latencies, _, start = _run_pool(args.clients, delete, ids)
        deleted_calls_s = time.perf_counter() - start
        while client.statuses() and time.monotonic() < deadline:
            time.sleep(0.25)
        gone_s = time.perf_counter() - start
        placement = PlacementClient.from_conf(cloud.conf)
        providers = placement.request("GET", "/resource_providers",
                                      version="1.14").json()["resource_providers"]
        leftover = {p["name"]: u for p in providers
                    if any((u := placement.get_usages(p["uuid"])).values())}
        placement.close()
        remove = {"servers": len(ids), "delete_calls_s": round(deleted_calls_s, 2),
                  "all_gone_s": round(gone_s, 2),
                  "servers_per_s": round(len(ids) / gone_s, 1),
                  "delete_p50_ms": _pct(latencies, 0.50),
                  "delete_p95_ms": _pct(latencies, 0.95),
                  "providers_with_usage_left": len(leftover)}
        print(json.dumps({"cells": args.cells, "hosts_per_cell": args.hosts_per_cell,
                          "clients": args.clients, "start_up_s": round(started_s, 2),
                          "boot": boot, "delete": remove}, indent=2))
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
