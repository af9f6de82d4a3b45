"""Volumes end to end, over real HTTP: create, attach, detach, delete.

The cloud runs in a child process, as ``boot.py`` runs it (one
``EmbeddedCloud``, fake hosts, the ``file`` volume backend in its state
directory).  Everything is asked as an admin of the benchmark's own
project, whose volume quotas are lifted first.  ``--servers`` m1.tiny
servers are booted, then, from ``--clients`` concurrent HTTP clients, one
phase after the other over ``--volumes`` 1 GB volumes:

* **create**: ``POST /v3/{project}/volumes`` until every volume is available;
* **attach**: ``POST /servers/{id}/os-volume_attachments`` (volume *i* to
  server *i mod servers*) until every volume is in-use;
* **detach**: ``DELETE /servers/{id}/os-volume_attachments/{volume}``
  until every volume is available again;
* **delete**: ``DELETE /v3/{project}/volumes/{id}`` until none is left.

Per phase: ``volumes_per_s`` (volumes settled, from the first request
until the last one settled), p50/p95 of the call, p50/p95 of each
volume's time from its request to settled, ``cloud_cpu_s``, and the
volumes that did not settle or ended wrong.  A poll every
``--poll-interval`` seconds lists only the volumes in the statuses the
phase passes through (``reserved``/``attaching``, ``detaching``,
``deleting``; as a client watching its own volumes would, so that the
watching costs the cloud little): a volume has settled at the end of the
first poll that no longer shows it, if the full listing after the phase
shows it in the phase's target status.  ``attach_detach_cycles_per_s`` is the volumes attached and
detached over the two phases' time.  One JSON document is printed (times
in milliseconds unless named ``_s``).

    .venv/bin/python benchmarks/volumes.py --volumes 200 --servers 20
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import threading
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.boot import Client, EmbeddedDeployment, boot_servers, pct, run_pool

VOLUME_VERSION = "volume 3.71"


class Volumes:
    """The volume API as the benchmark's admin sees it."""

    def __init__(self, deployment, client: Client):
        self.base = deployment.volume_url + "/v3"
        self.headers = dict(deployment.headers, **{"OpenStack-API-Version": VOLUME_VERSION})
        self.client = client
        self._local = threading.local()

    def session(self):
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = self.client.session().__class__()
            s.trust_env = False
            s.headers.update(self.headers)
        return s

    def statuses(self, query: str = "") -> dict[str, str]:
        """id -> status of every volume of the project (all pages), or of
        those ``query`` (e.g. ``status=attaching``) selects."""
        found: dict[str, str] = {}
        url = self.base + "/volumes/detail?limit=1000" + (f"&{query}" if query else "")
        while url:
            body = self.session().get(url, timeout=120).json()
            found.update((v["id"], v["status"]) for v in body["volumes"])
            links = body.get("volumes_links") or []
            url = links[0]["href"] if links else None
        return found

    def in_statuses(self, statuses: tuple[str, ...]) -> set[str]:
        """The volumes now in one of ``statuses``."""
        return {v for status in statuses for v in self.statuses(f"status={status}")}


@dataclasses.dataclass(frozen=True)
class Phase:
    name: str
    call: Callable[[int], int]      # volume index -> the call's status code
    code: int                       # the answer expected
    target: str | None              # the status settled volumes show (None: gone)
    transitional: tuple[str, ...]   # the statuses a volume passes through after the call


def run_phase(deployment, volumes: Volumes, phase: Phase, ids: list[str], clients: int,
              deadline: float, interval: float) -> dict:
    lock = threading.Lock()
    requested: dict[str, float] = {}
    errors: list[str] = []

    def act(i: int) -> None:
        t0 = time.perf_counter()
        code = phase.call(i)
        with lock:
            if code == phase.code:
                requested[ids[i]] = t0
            else:
                errors.append(f"{ids[i]}: {code}")

    done = threading.Event()

    left: dict[str, float] = {}     # volume -> when it was first seen out of transition

    def watch() -> None:
        while time.monotonic() < deadline:
            finished = done.is_set()
            with lock:
                waiting = [v for v in requested if v not in left]
            if finished and not waiting:
                return
            passing = volumes.in_statuses(phase.transitional)
            now = time.perf_counter()
            with lock:
                for v in waiting:
                    if v not in passing:
                        left[v] = now
            time.sleep(interval)

    cpu0 = deployment.cpu_seconds()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    latencies, _, start = run_pool(clients, act, range(len(ids)))
    done.set()
    watcher.join()
    cpu1 = deployment.cpu_seconds()
    final = volumes.statuses()
    settled = {v: t for v, t in left.items() if final.get(v) == phase.target}
    elapsed = max(settled.values(), default=start) - start
    settle = [settled[v] - t0 for v, t0 in requested.items() if v in settled]
    return {"volumes": len(ids), "accepted": len(requested), "api_errors": len(errors),
            "api_error_samples": errors[:3], "settled": len(settled),
            "all_settled_s": round(elapsed, 2),
            "volumes_per_s": round(len(settled) / elapsed, 1) if elapsed > 0 else 0.0,
            "call_p50_ms": pct(latencies, 0.50), "call_p95_ms": pct(latencies, 0.95),
            "settle_p50_ms": pct(settle, 0.50), "settle_p95_ms": pct(settle, 0.95),
            "cloud_cpu_s": round(cpu1 - cpu0, 1)}


def _create_all(volumes: Volumes, count: int, clients: int) -> tuple[list[str], list[float]]:
    def create(n: int) -> str:
        resp = volumes.session().post(volumes.base + "/volumes", json={
            "volume": {"size": 1, "name": f"bench-{n}"}}, timeout=120)
        if resp.status_code != 202:
            raise RuntimeError(f"create {n}: {resp.status_code} {resp.text}")
        return resp.json()["volume"]["id"]
    latencies, ids, _ = run_pool(clients, create, range(count))
    return ids, latencies


def run(deployment, volume_count: int, servers: int, clients: int, timeout: float,
        interval: float) -> dict:
    client = Client(deployment)
    volumes = Volumes(deployment, client)
    deadline = time.monotonic() + timeout
    server_ids, boot, _ = boot_servers(deployment, client, servers, clients, deadline)
    resp = volumes.session().put(volumes.base + "/os-quota-sets/bench", json={"quota_set": {
        "volumes": -1, "gigabytes": -1, "snapshots": -1}}, timeout=60)
    assert resp.status_code == 200, resp.text
    result: dict = {"boot": boot}

    cpu0 = deployment.cpu_seconds()
    t0 = time.perf_counter()
    ids, create_latencies = _create_all(volumes, volume_count, clients)
    while time.monotonic() < deadline and volumes.in_statuses(("creating",)):
        time.sleep(interval)
    statuses = volumes.statuses()
    created_s = time.perf_counter() - t0
    available = sum(1 for v in ids if statuses.get(v) == "available")
    result["create"] = {"volumes": volume_count, "available": available,
                        "all_available_s": round(created_s, 2),
                        "volumes_per_s": round(available / created_s, 1),
                        "call_p50_ms": pct(create_latencies, 0.50),
                        "call_p95_ms": pct(create_latencies, 0.95),
                        "cloud_cpu_s": round(deployment.cpu_seconds() - cpu0, 1)}

    compute = client.session
    server_of = {v: server_ids[i % len(server_ids)] for i, v in enumerate(ids)}
    phases = [
        Phase("attach", lambda i: compute().post(
            f"{client.base}/servers/{server_of[ids[i]]}/os-volume_attachments",
            json={"volumeAttachment": {"volumeId": ids[i]}}, timeout=120).status_code,
            200, "in-use", ("reserved", "attaching")),
        Phase("detach", lambda i: compute().delete(
            f"{client.base}/servers/{server_of[ids[i]]}/os-volume_attachments/{ids[i]}",
            timeout=120).status_code, 202, "available", ("detaching",)),
        Phase("delete", lambda i: volumes.session().delete(
            f"{volumes.base}/volumes/{ids[i]}", timeout=120).status_code, 202, None,
            ("deleting",)),
    ]
    for phase in phases:
        result[phase.name] = run_phase(deployment, volumes, phase, ids, clients, deadline,
                                       interval)
    cycle_s = result["attach"]["all_settled_s"] + result["detach"]["all_settled_s"]
    cycles = min(result["attach"]["settled"], result["detach"]["settled"])
    result["attach_detach_cycles_per_s"] = round(cycles / cycle_s, 1) if cycle_s else 0.0
    result["left_over_volumes"] = len(volumes.statuses())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volumes", type=int, default=200)
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--cells", type=int, default=1)
    parser.add_argument("--hosts-per-cell", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--poll-interval", type=float, default=0.2,
                        help="seconds between the polls that see volumes settle")
    args = parser.parse_args()

    t0 = time.perf_counter()
    deployment = EmbeddedDeployment(args.cells, args.hosts_per_cell)
    started_s = time.perf_counter() - t0
    try:
        result = run(deployment, args.volumes, args.servers, args.clients, args.timeout,
                     args.poll_interval)
    finally:
        deployment.close()
    print(json.dumps({"mode": "embedded", "cells": args.cells,
                      "hosts_per_cell": args.hosts_per_cell, "clients": args.clients,
                      "servers": args.servers, "start_up_s": round(started_s, 2),
                      **result}, indent=2))


if __name__ == "__main__":
    main()
