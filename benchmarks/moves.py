"""Moving servers end to end, over real HTTP: resize/confirm, migrate/revert.

The cloud runs in a child process, as ``boot.py`` runs it: one
``EmbeddedCloud`` with ``--cells`` cells of ``--hosts-per-cell`` big fake
hosts.  Everything is asked as an admin of the benchmark's own project, whose
quota is unlimited (``boot.OVERRIDES``).  ``--servers`` m1.tiny servers are
booted first (``boot``: as boot.py's boot phase), then, from ``--clients``
concurrent HTTP clients, one phase after the other over every server:

* **resize**: ``{"resize": {"flavorRef": "2"}}`` until every server is
  VERIFY_RESIZE (task_state null) as m1.small on another host;
* **confirm**: ``{"confirmResize": null}`` until every server is ACTIVE on
  its new host;
* **migrate** (admin): ``{"migrate": null}`` until every server is
  VERIFY_RESIZE on another host;
* **revert**: ``{"revertResize": null}`` until every server is ACTIVE on the
  host it had before the migrate.

Moves stay within a server's cell (cross-cell moves are off by policy).
``--distributed``: every service its own process on a database server and
RabbitMQ, as ``boot.py --distributed`` runs them (``boot_distributed.py``).

Per phase: ``moves_per_s`` (servers settled correctly, from the first
request until the last server settled), p50/p95 of the action call, p50/p95
of each server's time from its request to settled, ``cloud_cpu_s`` (CPU
seconds of the cloud's process in the phase) and the servers that ended in
the wrong state (``wrong``).  A server counts as settled at the end of the
first poll (every ``--poll-interval`` seconds, a cheap
``GET /servers?status=<the phase's transitional status>``) that no longer
lists it; after the phase one ``GET /servers/detail`` checks the status,
task, host and flavor of each.

At the end, placement: every provider's usage must equal the sum of the
flavors of the servers on its node, every server must hold exactly its
flavor on its node, and no migration (``GET /os-migrations``) may still hold
an allocation; ``placement_ok`` says whether all held, ``placement`` lists
what did not.  One JSON document is printed (times in milliseconds unless
named ``_s``).

    .venv/bin/python benchmarks/moves.py --servers 200 --cells 2 --hosts-per-cell 20
    .venv/bin/python benchmarks/moves.py --distributed \
        --database-url mysql+pymysql://root@127.0.0.1:3306/test \
        --rabbit-url rabbit://guest:guest@127.0.0.1:5672/
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.boot import (Client, add_deployment_args, boot_servers, deployment_from_args,
                             pct, run_pool)

MAX_WRONG_SHOWN = 10


@dataclasses.dataclass(frozen=True)
class Phase:
    name: str
    body: dict
    code: int            # the action's answer
    pending: str         # the status a server shows until it settles
    target: str          # the status it settles in (with task_state null)


PHASES = (
    Phase("resize", {"resize": {"flavorRef": "2"}}, 202, "RESIZE", "VERIFY_RESIZE"),
    Phase("confirm", {"confirmResize": None}, 204, "VERIFY_RESIZE", "ACTIVE"),
    Phase("migrate", {"migrate": None}, 202, "RESIZE", "VERIFY_RESIZE"),
    Phase("revert", {"revertResize": None}, 202, "REVERT_RESIZE", "ACTIVE"),
)


# --- one phase ----------------------------------------------------------------------------

def _ids(client: Client, query: str) -> set[str]:
    """Ids of the servers ``GET /servers?<query>`` lists (all pages)."""
    found: set[str] = set()
    url = client.base + "/servers?limit=1000&" + query
    while url:
        body = client.session().get(url, timeout=120).json()
        found.update(s["id"] for s in body["servers"])
        links = body.get("servers_links") or []
        url = links[0]["href"] if links else None
    return found


class _Moves:
    """The requests of one phase and when each server settled."""

    def __init__(self, client: Client, phase: Phase):
        self.client, self.phase = client, phase
        self.lock = threading.Lock()
        self.requested: dict[str, float] = {}   # accepted: id -> request start
        self.settled: dict[str, float] = {}     # id -> end of the poll that saw it settled
        self.errors: list[str] = []
        self.calls_done = threading.Event()
        self.polls = 0

    def act(self, sid: str) -> None:
        t0 = time.perf_counter()
        resp = self.client.session().post(self.client.base + f"/servers/{sid}/action",
                                          json=self.phase.body, timeout=120)
        with self.lock:
            if resp.status_code == self.phase.code:
                self.requested[sid] = t0
            else:
                self.errors.append(f"{sid}: {resp.status_code} {resp.text[:300]}")

    def watch(self, deadline: float, interval: float) -> None:
        """Poll until every accepted request settled (or the deadline)."""
        while time.monotonic() < deadline:
            done = self.calls_done.is_set()
            with self.lock:   # only servers whose request was answered before the poll
                waiting = [sid for sid in self.requested if sid not in self.settled]
            if done and not waiting:
                return
            pending = _ids(self.client, "status=" + self.phase.pending)
            self.polls += 1
            now = time.perf_counter()
            with self.lock:
                for sid in waiting:
                    if sid not in pending:
                        self.settled[sid] = now
            time.sleep(interval)


def _check(phase: Phase, server: dict, old_host: str | None) -> str | None:
    """Why ``server`` is not where ``phase`` should have left it (None: it is).
    ``old_host``: its host before the phase, or before the migrate for a revert."""
    host = server.get("OS-EXT-SRV-ATTR:host")
    flavor = server["flavor"].get("original_name")
    if server["status"] != phase.target or server["OS-EXT-STS:task_state"] is not None:
        return f"status {server['status']}, task {server['OS-EXT-STS:task_state']}"
    if phase.name in ("resize", "migrate") and host == old_host:
        return f"still on {host}"
    if phase.name in ("confirm", "revert") and host != old_host:
        return f"on {host}, expected {old_host}"
    if flavor != "m1.small":      # resized (and confirmed) before the migrate
        return f"flavor {flavor}, expected m1.small"
    return None


def run_phase(deployment, client: Client, phase: Phase, ids: list[str], clients: int,
              deadline: float, interval: float, hosts_before: dict[str, str]) -> dict:
    moves = _Moves(client, phase)
    cpu0 = deployment.cpu_seconds()
    watcher = threading.Thread(target=moves.watch, args=(deadline, interval), daemon=True)
    watcher.start()
    latencies, _, start = run_pool(clients, moves.act, ids)
    calls_s = time.perf_counter() - start
    moves.calls_done.set()
    watcher.join()
    cpu1 = deployment.cpu_seconds()
    shown = {s["id"]: s for s in client.details()}
    wrong = []
    for sid in moves.requested:
        why = _check(phase, shown[sid], hosts_before.get(sid))
        if why is not None:
            wrong.append({"id": sid, "why": why})
    ok = len(moves.requested) - len(wrong)
    last = max(moves.settled.values(), default=start)
    settle = [moves.settled[sid] - t0 for sid, t0 in moves.requested.items()
              if sid in moves.settled]
    elapsed = last - start
    return {"servers": len(ids), "accepted": len(moves.requested),
            "api_errors": len(moves.errors), "api_error_samples": moves.errors[:3],
            "settled": len(moves.settled), "ok": ok,
            "calls_s": round(calls_s, 2), "all_settled_s": round(elapsed, 2),
            "moves_per_s": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
            "call_p50_ms": pct(latencies, 0.50), "call_p95_ms": pct(latencies, 0.95),
            "settle_p50_ms": pct(settle, 0.50), "settle_p95_ms": pct(settle, 0.95),
            "polls": moves.polls, "cloud_cpu_s": round(cpu1 - cpu0, 1),
            "wrong": len(wrong), "wrong_samples": wrong[:MAX_WRONG_SHOWN]}


# --- placement at the end -----------------------------------------------------------------

def _placement(deployment, version: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.headers.update(dict(deployment.headers,
                                **{"OpenStack-API-Version": f"placement {version}"}))
    return session


def _flavor_resources(flavor: dict) -> dict[str, int]:
    swap_gb = math.ceil(int(flavor.get("swap") or 0) / 1024)
    return {"VCPU": flavor["vcpus"], "MEMORY_MB": flavor["ram"],
            "DISK_GB": flavor["disk"] + int(flavor.get("ephemeral") or 0) + swap_gb}


def _nonzero(resources: dict) -> dict:
    return {k: v for k, v in resources.items() if v}


def check_placement(deployment, client: Client) -> dict:
    """Usages, server allocations and migration allocations against the servers."""
    session, base = _placement(deployment, "1.28"), deployment.placement_url
    providers = {p["name"]: p["uuid"] for p in session.get(
        base + "/resource_providers", timeout=60).json()["resource_providers"]}
    names = {uuid: name for name, uuid in providers.items()}
    expected: dict[str, dict[str, int]] = {name: {} for name in providers}
    mismatches: list[dict] = []
    servers = client.details()
    for server in servers:
        node = server.get("OS-EXT-SRV-ATTR:hypervisor_hostname")
        wanted = _flavor_resources(server["flavor"])
        for rc, amount in wanted.items():
            expected.setdefault(node, {})[rc] = expected.get(node, {}).get(rc, 0) + amount
        held = {names.get(rp, rp): _nonzero(a["resources"]) for rp, a in session.get(
            f"{base}/allocations/{server['id']}", timeout=60).json()["allocations"].items()}
        if held != {node: _nonzero(wanted)}:
            mismatches.append({"server": server["id"], "allocations": held,
                               "expected": {node: wanted}})
    for name, wanted in sorted(expected.items()):
        if name not in providers:
            mismatches.append({"provider": name, "usage": None, "expected": wanted})
            continue
        usage = session.get(f"{base}/resource_providers/{providers[name]}/usages",
                            timeout=60).json()["usages"]
        if _nonzero(usage) != _nonzero(wanted):
            mismatches.append({"provider": name, "usage": _nonzero(usage),
                               "expected": _nonzero(wanted)})
    migrations = _migrations(client)
    statuses: dict[str, int] = {}
    for migration in migrations:
        statuses[migration["status"]] = statuses.get(migration["status"], 0) + 1
        held = session.get(f"{base}/allocations/{migration['uuid']}",
                           timeout=60).json()["allocations"]
        if held:
            mismatches.append({"migration": migration["uuid"], "status": migration["status"],
                               "allocations": {names.get(rp, rp): a["resources"]
                                               for rp, a in held.items()}})
    return {"ok": not mismatches, "servers": len(servers), "providers": len(providers),
            "migrations": len(migrations), "migration_statuses": statuses,
            "mismatches": mismatches[:MAX_WRONG_SHOWN], "mismatch_count": len(mismatches)}


def _migrations(client: Client) -> list[dict]:
    """Every migration ``GET /os-migrations`` lists (2.59+ pages)."""
    found: list[dict] = []
    url = client.base + "/os-migrations?limit=1000"
    while url:
        body = client.session().get(url, timeout=120).json()
        found.extend(body["migrations"])
        links = body.get("migrations_links") or []
        url = links[0]["href"] if links else None
    return found


# --- the whole run -------------------------------------------------------------------------

def _hosts(client: Client) -> dict[str, str]:
    return {s["id"]: s.get("OS-EXT-SRV-ATTR:host") for s in client.details()}


def run(deployment, servers: int, clients: int, timeout: float, interval: float) -> dict:
    client = Client(deployment)
    deadline = time.monotonic() + timeout
    ids, boot, _ = boot_servers(deployment, client, servers, clients, deadline)
    result: dict = {"boot": boot}
    before_migrate: dict[str, str] = {}
    for phase in PHASES:
        hosts = _hosts(client)
        if phase.name == "migrate":
            before_migrate = hosts
        elif phase.name == "revert":
            hosts = before_migrate     # back where it was before the migrate
        result[phase.name] = run_phase(deployment, client, phase, ids, clients, deadline,
                                       interval, hosts)
    placement = check_placement(deployment, client)
    waited = time.monotonic()
    while not placement["ok"] and time.monotonic() - waited < 10:
        time.sleep(1)     # something may still be settling: look again, briefly
        placement = check_placement(deployment, client)
    placement["rechecked_s"] = round(time.monotonic() - waited, 1)
    result["placement_ok"] = placement["ok"]
    result["placement"] = placement
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--cells", type=int, default=2)
    parser.add_argument("--hosts-per-cell", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--poll-interval", type=float, default=0.2,
                        help="seconds between the polls that see servers settle")
    add_deployment_args(parser)
    args = parser.parse_args()
    if args.hosts_per_cell < 2:
        parser.error("a move needs another host: --hosts-per-cell 2 or more")

    t0 = time.perf_counter()
    deployment = deployment_from_args(parser, args)
    started_s = time.perf_counter() - t0
    try:
        result = run(deployment, args.servers, args.clients, args.timeout,
                     args.poll_interval)
    finally:
        deployment.close()
    print(json.dumps({"mode": "distributed" if args.distributed else "embedded",
                      "cells": args.cells,
                      "hosts_per_cell": args.hosts_per_cell, "clients": args.clients,
                      "servers": args.servers, "start_up_s": round(started_s, 2),
                      **result}, indent=2))


if __name__ == "__main__":
    main()
