"""Benchmark GET /allocation_candidates through HTTP, and say where time goes.

    python benchmarks/allocation_candidates.py --providers 1000 [--database-url URL]
        [--runs 20] [--allocations-per-provider 0]

Creates N compute providers (VCPU 64 ratio 16, MEMORY_MB 256000 ratio 1.5,
DISK_GB 2000; in one of 10 aggregates; half with HW_CPU_X86_AVX2, a tenth
with CUSTOM_GOLD) and 3 sharing DISK_GB providers (aggregates 0, 1, 2), and
in a second database N hosts with 2 NUMA children each (VCPU and memory on
the children, disk on the host).  Then, per case, p50/p95 of ``--runs``
requests over one kept-alive HTTP connection (the body is read, not
decoded), plus an in-process breakdown of one request: SQL (statement and
row fetch), Python assembly, view building and orjson encoding (the fast
paths, flat and nested, write the body's JSON while assembling: their view
time is ~0 and their encoding is orjson copying the pre-encoded bytes).
The fast paths answer from the provider cache, warm after the first
request of a case; ``cold_ms`` is one in-process request of each flat
case with an empty cache (every provider read), as after a restart.
Prints JSON.

``--cases base,base_limit50`` runs only the named cases (the nested
database is not built unless a nested case is named).

``--database-url`` names a server (``postgresql+psycopg://postgres@host/postgres``,
``mysql+pymysql://root@host/test``): throw-away databases are created on it
and dropped afterwards.  Without it, SQLite files in a temporary directory.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid as uuidlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import orjson  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from nubes.common import config  # noqa: E402
from nubes.common.db.engines import normalise_url  # noqa: E402
from nubes.common.db.transaction import Database  # noqa: E402
from nubes.common.wsgi.microversion import Version  # noqa: E402
from nubes.placement import app as placement_app  # noqa: E402
from nubes.placement import schema_sync  # noqa: E402
from nubes.placement.candidates import (cache_sql, contract, dispatch,  # noqa: E402
                                        fast_sql, general_sql, lookup_sql, provider_cache)
from nubes.placement.candidates import request as creq  # noqa: E402
from nubes.placement.handlers import allocation_candidate as handler  # noqa: E402
from nubes.placement.handlers import gc_pause  # noqa: E402
from tests.fixtures.placement_state import State  # noqa: E402
from tests.fixtures.servers import ThreadedServer  # noqa: E402

BASE = "VCPU:1,MEMORY_MB:1024,DISK_GB:10"


class Scratch:
    """A throw-away database: a SQLite file, or a database on a server."""

    def __init__(self, server_url: str | None, tmpdir: str, label: str):
        self.name = f"nubes_bench_{label}_{uuidlib.uuid4().hex[:8]}"
        self.server = None
        if server_url is None:
            self.url = f"sqlite:///{tmpdir}/{self.name}.sqlite"
            return
        self.server = normalise_url(server_url)
        engine = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            extra = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" \
                if self.server.get_backend_name() == "mysql" else ""
            conn.exec_driver_sql(f"CREATE DATABASE {self.name}{extra}")
        engine.dispose()
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.server is None:
            return
        engine = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if self.server.get_backend_name() == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name}")
        engine.dispose()


def _compute(i: int, allocations: int, allocs: list) -> dict:
    traits = []
    if i % 2 == 0:
        traits.append("HW_CPU_X86_AVX2")
    if i % 10 == 0:
        traits.append("CUSTOM_GOLD")
    name = f"cn{i}"
    for k in range(allocations):
        allocs.extend([(name, "VCPU", 1 + k % 4), (name, "MEMORY_MB", 2048),
                       (name, "DISK_GB", 20)])
    return {"name": name, "traits": traits, "aggregates": [f"agg{i % 10}"],
            "inventory": {"VCPU": {"total": 64, "allocation_ratio": 16.0},
                          "MEMORY_MB": {"total": 256000, "allocation_ratio": 1.5},
                          "DISK_GB": 2000}}


def populate_flat(db: Database, n: int, allocations: int) -> State:
    state = State(db.engine)
    allocs: list = []
    specs = [_compute(i, allocations, allocs) for i in range(n)]
    specs += [{"name": f"share{k}", "traits": ["MISC_SHARES_VIA_AGGREGATE"],
               "aggregates": [f"agg{k}"], "inventory": {"DISK_GB": 100000}} for k in range(3)]
    state.bulk(specs, allocs)
    return state


def populate_nested(db: Database, n: int) -> State:
    state = State(db.engine)
    specs = []
    for i in range(n):
        specs.append({"name": f"host{i}", "aggregates": [f"agg{i % 10}"],
                      "traits": ["HW_CPU_X86_AVX2"] if i % 2 == 0 else [],
                      "inventory": {"DISK_GB": 2000}})
        for j in range(2):
            specs.append({"name": f"host{i}_numa{j}", "parent": f"host{i}",
                          "traits": [f"CUSTOM_NUMA_{j}"],
                          "inventory": {"VCPU": {"total": 32, "allocation_ratio": 16.0},
                                        "MEMORY_MB": {"total": 128000,
                                                      "allocation_ratio": 1.5}}})
    state.bulk(specs)
    return state


def _serve(db: Database):
    conf = config.load(overrides={"api": {"auth_strategy": "noauth2"},
                                  "placement_database": {"connection": db.url}})
    return ThreadedServer(placement_app.build(conf, db), threads=4)


def _time_http(url: str, query: dict, runs: int) -> dict:
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port)
    path = "/allocation_candidates?" + urllib.parse.urlencode(query)
    headers = {"X-Auth-Token": "admin", "OpenStack-API-Version": "placement 1.39"}
    times, size, count = [], 0, 0
    for i in range(runs + 2):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - start
        if resp.status != 200:
            raise RuntimeError(f"{resp.status}: {body[:300]!r}")
        if i >= 2:  # two warm-up requests
            times.append(elapsed * 1000)
        size = len(body)
    count = len(orjson.loads(body)["allocation_requests"])
    conn.close()
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
            "candidates": count, "bytes": size}


def _cold(db: Database, query: dict) -> float:
    """One in-process request with the provider cache emptied first."""
    provider_cache.forget(db.engine)
    with gc_pause.paused():
        start = time.perf_counter()
        result = dispatch.find(db, creq.parse(dict(query), Version(1, 39)),
                               contract.Options(version=(1, 39)))
        orjson.dumps(handler.view(result, Version(1, 39)))
        elapsed = time.perf_counter() - start
        del result
    return round(elapsed * 1000, 2)


def _breakdown(db: Database, query: dict, runs: int = 5) -> dict:
    """In-process: where one request's time goes (median of ``runs``)."""
    version = Version(1, 39)
    sql_time = [0.0]
    originals = {}
    statements = [(lookup_sql, name) for name in (
        "trait_ids", "aggregate_ids", "provider_by_uuid", "all_class_names")]
    statements += [(general_sql, name) for name in (
        "provider_inventories", "providers_matching", "class_names", "sharing_providers",
        "sharing_links", "providers_with_traits", "tree_parents", "max_provider_id",
        "summary_providers", "summary_inventories", "summary_traits")]
    statements += [(fast_sql, name) for name in (
        "shape", "sharing_providers", "members", "sharing_links", "sharing_roots")]
    statements += [(cache_sql, name) for name in ("stamps", "tree_stamps", "facts")]
    for module, name in statements:
        fn = getattr(module, name)
        originals[(module, name)] = fn

        def timed(*a, _fn=fn, **kw):
            start = time.perf_counter()
            try:
                return _fn(*a, **kw)
            finally:
                sql_time[0] += time.perf_counter() - start
        setattr(module, name, timed)
    samples = []
    try:
        for _ in range(runs):
            sql_time[0] = 0.0
            with gc_pause.paused():
                t0 = time.perf_counter()
                request = creq.parse(dict(query), version)
                result = dispatch.find(db, request, contract.Options(version=(1, 39)))
                t1 = time.perf_counter()
                body = handler.view(result, version)
                t2 = time.perf_counter()
                orjson.dumps(body)
                t3 = time.perf_counter()
                # Freed here, untimed (else the next sample's view would
                # pay for freeing this answer).
                del result, body
            samples.append({"sql_ms": sql_time[0] * 1000,
                            "assembly_ms": (t1 - t0 - sql_time[0]) * 1000,
                            "view_ms": (t2 - t1) * 1000, "encode_ms": (t3 - t2) * 1000})
    finally:
        for (module, name), fn in originals.items():
            setattr(module, name, fn)
    return {k: round(statistics.median(s[k] for s in samples), 2) for k in samples[0]}


def run(providers: int, database_url: str | None, runs: int, allocations: int,
        breakdown: bool = True, only: set[str] | None = None) -> dict:
    out: dict = {"providers": providers, "runs": runs,
                 "allocations_per_provider": allocations, "cases": {}}
    with tempfile.TemporaryDirectory(prefix="nubes-bench-") as tmpdir:
        scratches = []
        try:
            flat = Scratch(database_url, tmpdir, "flat")
            scratches.append(flat)
            db = Database(flat.url)
            out["backend"] = db.backend
            schema_sync.upgrade(db)
            placement_app.build(config.load(overrides={
                "api": {"auth_strategy": "noauth2"},
                "placement_database": {"connection": db.url}}), db)  # sync standard names
            t0 = time.perf_counter()
            state = populate_flat(db, providers, allocations)
            if db.backend == "postgresql":
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")
                    conn.commit()
            out["populate_s"] = round(time.perf_counter() - t0, 2)
            agg = state.aggregate_uuid("agg3")
            cases = {
                "base": {"resources": BASE},
                "base_limit50": {"resources": BASE, "limit": "50"},
                "required_gold": {"resources": BASE, "required": "CUSTOM_GOLD"},
                "member_of": {"resources": BASE, "member_of": agg},
                "granular": {"resources1": "VCPU:1,MEMORY_MB:1024", "required1":
                             "HW_CPU_X86_AVX2", "resources2": "DISK_GB:10",
                             "group_policy": "none"},
                "granular_limit50": {"resources1": "VCPU:1,MEMORY_MB:1024", "required1":
                                     "HW_CPU_X86_AVX2", "resources2": "DISK_GB:10",
                                     "group_policy": "none", "limit": "50"},
            }
            cases = {k: v for k, v in cases.items() if only is None or k in only}
            with _serve(db) as server:
                for name, query in cases.items():
                    cold = _cold(db, query)
                    out["cases"][name] = _time_http(server.url, query, runs)
                    out["cases"][name]["cold_ms"] = cold
                    if breakdown:
                        out["cases"][name]["in_process"] = _breakdown(db, query)
            db.dispose()
            if only is not None and not only & {"nested", "nested_limit50",
                                                "nested_granular_subtree"}:
                return out

            nested = Scratch(database_url, tmpdir, "nested")
            scratches.append(nested)
            ndb = Database(nested.url)
            schema_sync.upgrade(ndb)
            placement_app.build(config.load(overrides={
                "api": {"auth_strategy": "noauth2"},
                "placement_database": {"connection": ndb.url}}), ndb)
            populate_nested(ndb, providers)
            if ndb.backend == "postgresql":
                with ndb.engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")
                    conn.commit()
            ncases = {
                "nested": {"resources": BASE},
                "nested_limit50": {"resources": BASE, "limit": "50"},
                "nested_granular_subtree": {
                    "resources_DISK": "DISK_GB:10", "resources_CPU": "VCPU:1,MEMORY_MB:1024",
                    "required_CPU": "CUSTOM_NUMA_1", "group_policy": "isolate"},
            }
            ncases = {k: v for k, v in ncases.items() if only is None or k in only}
            with _serve(ndb) as server:
                for name, query in ncases.items():
                    out["cases"][name] = _time_http(server.url, query, runs)
                    if breakdown:
                        out["cases"][name]["in_process"] = _breakdown(ndb, query)
            ndb.dispose()
        finally:
            for scratch in scratches:
                scratch.drop()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--allocations-per-provider", type=int, default=0)
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument("--cases", default=None,
                        help="comma-separated case names to run (default: all)")
    args = parser.parse_args(argv)
    only = set(args.cases.split(",")) if args.cases else None
    result = run(args.providers, args.database_url, args.runs, args.allocations_per_provider,
                 breakdown=not args.no_breakdown, only=only)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
