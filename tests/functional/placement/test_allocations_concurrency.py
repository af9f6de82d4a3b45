"""No provider is ever over capacity, whatever the number of API processes.

Two placement server processes share one database; eight threads claim
one VCPU at a time for new consumers, alternating between the two servers,
until every provider answers "full".  Every claim that got a 204 must be in
the database, and together they must equal the providers' capacity
exactly: none lost, none beyond capacity.
"""
from __future__ import annotations

import collections
import contextlib
import itertools
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from nubes.common.db.transaction import Database
from nubes.placement import models, schema_sync
from tests.fixtures import databases

pytestmark = pytest.mark.slow

HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}
PROVIDERS = 3
CAPACITY = 8          # VCPU per provider: total 4 at allocation_ratio 2.0
WRITERS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``nubes-placement-api`` in a child process on a free port."""

    def __init__(self, config_file: str, log_path: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nubes.cmd.placement_api", "--config-file", config_file,
             "--port", str(self.port), "--threads", "8"],
            stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"placement exited early:\n{self.log()}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"placement did not start in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-5000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(params=databases.backends())
def two_servers(request, tmp_path):
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    config = tmp_path / "nubes.conf"
    config.write_text("[api]\nauth_strategy = noauth2\n"
                      f"[placement_database]\nconnection = {tmp.url}\n")
    servers = []
    try:
        # One after the other: each syncs the standard names at start-up.
        for n in range(2):
            server = ServerProcess(str(config), str(tmp_path / f"placement-{n}.log"))
            servers.append(server)
            server.wait_ready()
        yield db, servers
    finally:
        for server in servers:
            server.stop()
        db.dispose()
        tmp.drop()


def _claim_until_full(urls: list[str], providers: list[str], results: collections.Counter,
                      lock: threading.Lock, claims: list[tuple[str, str]],
                      unexpected: list[str]) -> None:
    session = requests.Session()
    full: set[str] = set()
    servers = itertools.cycle(urls)
    rotation = itertools.cycle(providers)
    while len(full) < len(providers):
        rp = next(rotation)
        if rp in full:
            continue
        consumer = str(uuid.uuid4())
        body = {"allocations": {rp: {"resources": {"VCPU": 1}}},
                "project_id": "p", "user_id": "u", "consumer_generation": None,
                "consumer_type": "INSTANCE"}
        url = next(servers)
        resp = session.put(f"{url}/allocations/{consumer}", json=body,
                           headers=HEADERS, timeout=120)
        code = resp.json()["errors"][0]["code"] if resp.status_code == 409 else None
        with lock:
            if resp.status_code == 204:
                results["claimed"] += 1
                results["claimed via " + url] += 1
                claims.append((consumer, rp))
            elif code == "placement.concurrent_update":
                results["concurrent_update"] += 1   # retries ran out: try again
            elif resp.status_code == 409 and "exceed the capacity" in resp.text:
                results["full"] += 1
                full.add(rp)
            else:
                unexpected.append(f"{resp.status_code} {resp.text[:300]}")
                return


def test_two_processes_never_overallocate(two_servers):
    db, servers = two_servers
    admin = requests.Session()
    base = servers[0].url
    providers = []
    for n in range(PROVIDERS):
        resp = admin.post(f"{base}/resource_providers", json={"name": f"cn{n}"},
                          headers=HEADERS)
        assert resp.status_code == 200, resp.text
        rp = resp.json()
        resp = admin.put(f"{base}/resource_providers/{rp['uuid']}/inventories", headers=HEADERS,
                         json={"resource_provider_generation": rp["generation"],
                               "inventories": {"VCPU": {"total": CAPACITY // 2,
                                                        "allocation_ratio": 2.0}}})
        assert resp.status_code == 200, resp.text
        providers.append(rp["uuid"])

    results: collections.Counter = collections.Counter()
    lock = threading.Lock()
    claims: list[tuple[str, str]] = []
    unexpected: list[str] = []
    urls = [s.url for s in servers]
    threads = [threading.Thread(target=_claim_until_full,
                                args=(urls[n % 2:] + urls[:n % 2], providers[n % PROVIDERS:]
                                      + providers[:n % PROVIDERS], results, lock, claims,
                                      unexpected))
               for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "writers did not finish"
    assert not unexpected, unexpected + [s.log() for s in servers]

    # Every 204 is in the database, and they add up to the capacity exactly.
    assert results["claimed"] == PROVIDERS * CAPACITY, results
    with db.engine.connect() as conn:
        used = dict(conn.execute(
            sa.select(models.resource_providers.c.uuid,
                      sa.func.coalesce(sa.func.sum(models.allocations.c.used), 0))
            .select_from(models.resource_providers.outerjoin(
                models.allocations, models.allocations.c.resource_provider_id
                == models.resource_providers.c.id))
            .group_by(models.resource_providers.c.uuid)).all())
        consumers = conn.scalar(sa.select(sa.func.count()).select_from(models.consumers))
    assert {rp: int(n) for rp, n in used.items()} == {rp: CAPACITY for rp in providers}
    assert consumers == PROVIDERS * CAPACITY
    per_provider = collections.Counter(rp for _, rp in claims)
    for rp in providers:
        listed = admin.get(f"{base}/resource_providers/{rp}/allocations", headers=HEADERS).json()
        assert len(listed["allocations"]) == per_provider[rp] == CAPACITY
    # Both processes took claims.
    for server in servers:
        assert results["claimed via " + server.url] > 0, results
    print(f"\n{db.backend}: {dict(results)}")
