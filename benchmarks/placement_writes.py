"""Placement write throughput: provider creation and allocation writes.

Starts a real placement server (``nubes-placement-api``, waitress, in a
child process) on a fresh database, creates ``--providers`` providers with
inventory through HTTP, then claims allocations for new consumers (PUT
/allocations/{uuid} at microversion 1.39, three classes on one random
provider) sequentially and from ``--writers`` concurrent client threads.
Prints one JSON document.

    .venv/bin/python benchmarks/placement_writes.py --providers 1000
    .venv/bin/python benchmarks/placement_writes.py --providers 1000 \\
        --database-url mysql+pymysql://root@127.0.0.1:3306/test --writers 8

``--database-url`` names a server (MariaDB/MySQL, PostgreSQL): a throw-away
database is created on it and dropped afterwards.  Without it the run uses
a temporary SQLite file.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nubes.common.db.engines import normalise_url  # noqa: E402
from nubes.common.db.transaction import Database  # noqa: E402
from nubes.placement import models, schema_sync  # noqa: E402

HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}
INVENTORY = {"VCPU": {"total": 4096}, "MEMORY_MB": {"total": 4096 * 1024},
             "DISK_GB": {"total": 1024 * 1024}}
CLAIM = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


class ThrowAwayDatabase:
    """A new database on the given server, or a temporary SQLite file."""

    def __init__(self, server_url: str | None):
        self.name = "nubes_bench_" + uuid.uuid4().hex[:10]
        self._server = None
        if server_url is None:
            self._dir = tempfile.TemporaryDirectory(prefix="nubes-bench-")
            self.url = f"sqlite:///{self._dir.name}/placement.sqlite"
            return
        self._server = normalise_url(server_url)
        self._admin("CREATE DATABASE {}")
        self.url = self._server.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(self._server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if "DROP" in statement and self._server.get_backend_name() == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(statement.format(self.name))
        engine.dispose()

    def drop(self) -> None:
        if self._server is None:
            self._dir.cleanup()
        else:
            self._admin("DROP DATABASE IF EXISTS {}")


class Server:
    """``nubes-placement-api`` (waitress) or gunicorn (``-k gthread``, the
    production set-up) in a child process on a free port."""

    def __init__(self, database_url: str, workdir: str, threads: int,
                 kind: str = "waitress", workers: int = 1):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(workdir, "nubes.conf")
        with open(config, "w") as f:
            f.write("[api]\nauth_strategy = noauth2\n"
                    f"[placement_database]\nconnection = {database_url}\n")
        self.log_path = os.path.join(workdir, "placement.log")
        self._log = open(self.log_path, "wb")
        if kind == "gunicorn":
            command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads",
                       str(threads), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                       "nubes.wsgi.placement:application"]
        else:
            command = [sys.executable, "-m", "nubes.cmd.placement_api", "--config-file",
                       config, "--port", str(self.port), "--threads", str(threads)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "NUBES_CONFIG_FILE": config})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        with open(self.log_path, "rb") as f:
            raise RuntimeError("placement did not start:\n" + f.read().decode()[-3000:])

    def database_retries(self) -> int:
        """Transactions the server re-ran after a deadlock or serialisation
        failure (logged at INFO; generation races are retried silently)."""
        with open(self.log_path, "rb") as f:
            return f.read().count(b"retrying transaction after")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def create_providers(url: str, count: int) -> tuple[list[str], float]:
    session = requests.Session()
    providers = []
    started = time.perf_counter()
    for n in range(count):
        resp = session.post(f"{url}/resource_providers", json={"name": f"bench-{n}"},
                            headers=HEADERS)
        resp.raise_for_status()
        rp = resp.json()
        resp = session.put(f"{url}/resource_providers/{rp['uuid']}/inventories",
                           headers=HEADERS,
                           json={"resource_provider_generation": rp["generation"],
                                 "inventories": INVENTORY})
        resp.raise_for_status()
        providers.append(rp["uuid"])
    return providers, time.perf_counter() - started


def claim(session: requests.Session, url: str, provider: str) -> tuple[int, float]:
    body = {"allocations": {provider: {"resources": CLAIM}},
            "project_id": "bench-project", "user_id": "bench-user",
            "consumer_generation": None, "consumer_type": "INSTANCE"}
    started = time.perf_counter()
    resp = session.put(f"{url}/allocations/{uuid.uuid4()}", json=body, headers=HEADERS)
    return resp.status_code, time.perf_counter() - started


def run_writers(url: str, providers: list[str], writes: int, writers: int,
                seed: int) -> dict:
    per_writer = [writes // writers + (1 if n < writes % writers else 0)
                  for n in range(writers)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(writers + 1)

    def writer(n: int) -> None:
        rng = random.Random(seed + n)
        session = requests.Session()
        mine, codes = [], {}
        barrier.wait()
        for _ in range(per_writer[n]):
            status, took = claim(session, url, rng.choice(providers))
            mine.append(took)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, count in codes.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "writers": writers,
        "writes": writes,
        "seconds": round(elapsed, 3),
        "writes_per_s": round(statuses.get(204, 0) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def over_capacity(db: Database) -> int:
    inv, alloc = models.inventories, models.allocations
    used = (sa.select(alloc.c.resource_provider_id, alloc.c.resource_class_id,
                      sa.func.sum(alloc.c.used).label("used"))
            .group_by(alloc.c.resource_provider_id, alloc.c.resource_class_id).subquery())
    query = (sa.select(sa.func.count()).select_from(inv.join(
        used, sa.and_(used.c.resource_provider_id == inv.c.resource_provider_id,
                      used.c.resource_class_id == inv.c.resource_class_id)))
             .where(used.c.used > (inv.c.total - inv.c.reserved) * inv.c.allocation_ratio))
    with db.engine.connect() as conn:
        return conn.scalar(query)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--database-url", default=None,
                        help="a MariaDB/MySQL or PostgreSQL server to create a "
                             "throw-away database on (default: temporary SQLite)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--writes", type=int, default=2000,
                        help="allocation writes per phase (default 2000)")
    parser.add_argument("--server", choices=["waitress", "gunicorn"], default="waitress",
                        help="waitress (nubes-placement-api) or gunicorn -k gthread")
    parser.add_argument("--workers", type=int, default=1,
                        help="gunicorn worker processes (default 1)")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    database = ThrowAwayDatabase(args.database_url)
    db = Database(database.url)
    server = None
    try:
        schema_sync.upgrade(db)
        with tempfile.TemporaryDirectory(prefix="nubes-bench-run-") as workdir:
            server = Server(database.url, workdir, args.server_threads, args.server,
                            args.workers)
            providers, took = create_providers(server.url, args.providers)
            # Warm the server's connection pool and statement caches.
            run_writers(server.url, providers, min(100, args.writes), 1, args.seed + 99)
            sequential = run_writers(server.url, providers, args.writes, 1, args.seed)
            concurrent = run_writers(server.url, providers, args.writes, args.writers,
                                     args.seed + 1000)
            # Every writer on one provider: generation races, retried in the server.
            contended = run_writers(server.url, providers[:1], args.writes // 4,
                                    args.writers, args.seed + 2000)
            server.stop()
            retries = server.database_retries()
            server = None
        result = {
            "benchmark": "placement_writes",
            "backend": db.backend,
            "server": (f"gunicorn -k gthread -w {args.workers} --threads {args.server_threads}"
                       if args.server == "gunicorn"
                       else f"waitress --threads {args.server_threads}"),
            "providers": args.providers,
            "provider_create_per_s": round(args.providers / took, 1),
            "provider_create_note": "POST /resource_providers + PUT inventories, sequential",
            "allocations_sequential": sequential,
            "allocations_concurrent": concurrent,
            "allocations_concurrent_one_provider": contended,
            "server_deadlock_retries": retries,
            "over_capacity_inventories": over_capacity(db),
        }
        print(json.dumps(result, indent=2))
    finally:
        if server is not None:
            server.stop()
        db.dispose()
        database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
