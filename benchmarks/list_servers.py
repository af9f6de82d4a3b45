"""Server listing across cells: GET /servers/detail over real HTTP.

Creates an API database, cell0 and ``--cells`` cell databases, seeds
``--instances`` instances spread over the cells (with instance mappings,
request specs, a tag each and a fault on the ERROR ones), serves the
compute API with waitress in this process, then measures

* ``detail_page``: ``GET /servers/detail?all_tenants=1&limit=1000``
  (the first page, ``--repeat`` times);
* ``walk``: paging through everything with ``limit=--page-size`` and the
  ``next`` links (``--walks`` times), checking each server comes once;

and prints one JSON document with p50/p95 (milliseconds).

    .venv/bin/python benchmarks/list_servers.py --instances 5000 --cells 2
    .venv/bin/python benchmarks/list_servers.py --instances 5000 --cells 3 \\
        --backend postgresql --server-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Without ``--server-url`` the databases are temporary SQLite files.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
import uuid as uuidlib

import requests
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nubes.api.compute import app as compute_app  # noqa: E402
from nubes.cells import schema_sync  # noqa: E402
from nubes.cells.api_db import models as api_models  # noqa: E402
from nubes.cells.cell_db import models as cell_models  # noqa: E402
from nubes.cells.records import CELL0_UUID, NO_TRANSPORT_URL  # noqa: E402
from nubes.cells.repo import cell_mappings  # noqa: E402
from nubes.cells.targeting import CellDatabases  # noqa: E402
from nubes.common import config  # noqa: E402
from nubes.common.db.transaction import Database  # noqa: E402
from tests.fixtures import databases  # noqa: E402
from tests.fixtures.servers import ThreadedServer  # noqa: E402

HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "compute 2.96"}
BASE = datetime.datetime(2024, 1, 1)
FLAVOR = json.dumps({"flavorid": "f1", "name": "m1.small", "vcpus": 1, "memory_mb": 512,
                     "root_gb": 1, "ephemeral_gb": 0, "swap": 0, "extra_specs": {}})


def _seed(api_db: Database, cells: dict[str, tuple[Database, int]], count: int,
          rng: random.Random) -> None:
    names = list(cells)
    per_cell: dict[str, list[dict]] = {n: [] for n in names}
    mappings, specs, now = [], [], datetime.datetime.utcnow()
    for i in range(count):
        cell = names[i % len(names)]
        uuid = str(uuidlib.uuid4())
        error = rng.random() < 0.02
        per_cell[cell].append(dict(
            uuid=uuid, project_id=f"p{rng.randrange(20)}", user_id="u1",
            display_name=f"vm-{i}", vm_state="error" if error else "active", power_state=1,
            host=f"{cell}-h{rng.randrange(10)}", node=None, flavor=FLAVOR, memory_mb=512,
            vcpus=1, image_ref="img", availability_zone="nova",
            created_at=BASE + datetime.timedelta(seconds=rng.randrange(10 * count)),
            locked=False))
        mappings.append(dict(instance_uuid=uuid, cell_id=cells[cell][1],
                             project_id=per_cell[cell][-1]["project_id"], user_id="u1",
                             created_at=now))
        specs.append(dict(instance_uuid=uuid, spec=json.dumps({"availability_zone": None}),
                          created_at=now))
    for cell, rows in per_cell.items():
        db = cells[cell][0]

        def work(conn, rows=rows):
            for start in range(0, len(rows), 1000):
                chunk = rows[start:start + 1000]
                conn.execute(sa.insert(cell_models.instances), chunk)
                conn.execute(sa.insert(cell_models.tags),
                             [{"resource_id": r["uuid"], "tag": "bench"} for r in chunk])
                faults = [{"instance_uuid": r["uuid"], "code": 500, "message": "boom",
                           "created_at": now} for r in chunk if r["vm_state"] == "error"]
                if faults:
                    conn.execute(sa.insert(cell_models.instance_faults), faults)
        db.write(work)

    def api_work(conn):
        for start in range(0, len(mappings), 1000):
            conn.execute(sa.insert(api_models.instance_mappings), mappings[start:start + 1000])
            conn.execute(sa.insert(api_models.request_specs), specs[start:start + 1000])
    api_db.write(api_work)


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2), "runs": len(ordered)}


def _walk(session: requests.Session, base: str, page_size: int, expected: int) -> int:
    url = f"{base}/v2.1/servers/detail?all_tenants=1&limit={page_size}"
    seen: set[str] = set()
    pages = 0
    while url:
        resp = session.get(url, headers=HEADERS, timeout=120)
        resp.raise_for_status()
        body = resp.json()
        pages += 1
        for server in body["servers"]:
            if server["id"] in seen:
                raise AssertionError(f"{server['id']} listed twice")
            seen.add(server["id"])
        links = body.get("servers_links") or []
        url = links[0]["href"] if links and body["servers"] else None
    if len(seen) != expected:
        raise AssertionError(f"walked {len(seen)} servers, expected {expected}")
    return pages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=3000)
    parser.add_argument("--cells", type=int, default=2)
    parser.add_argument("--backend", choices=["sqlite", "mysql", "postgresql"],
                        default="sqlite")
    parser.add_argument("--server-url", help="database server for mysql/postgresql")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--walks", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.backend != "sqlite":
        if not args.server_url:
            parser.error("--server-url is needed for " + args.backend)
        os.environ[databases.ENV[args.backend]] = args.server_url

    tmps = [databases.TemporaryDatabase(args.backend) for _ in range(args.cells + 2)]
    cell_databases = CellDatabases()
    api_db = Database(tmps[0].url)
    try:
        schema_sync.upgrade_api(api_db)
        cells: dict[str, tuple[Database, int]] = {}
        for index, tmp in enumerate(tmps[1:]):
            name = "cell0" if index == 0 else f"cell{index}"
            db = cell_databases.get(tmp.url)
            schema_sync.upgrade_cell(db)
            mapping = api_db.write(lambda conn, name=name, tmp=tmp: cell_mappings.create(
                conn, uuid=CELL0_UUID if name == "cell0" else str(uuidlib.uuid4()),
                name=name, database_connection=tmp.url,
                transport_url=NO_TRANSPORT_URL if name == "cell0" else f"memory:///{name}"))
            if name != "cell0":
                cells[name] = (db, mapping.id)
        started = time.perf_counter()
        _seed(api_db, cells, args.instances, random.Random(args.seed))
        seeded = time.perf_counter() - started

        conf = config.load(overrides={"api": {"auth_strategy": "noauth2"},
                                      "api_database": {"connection": tmps[0].url}})
        state = compute_app.build_state(conf, api_db=api_db, databases=cell_databases)
        with ThreadedServer(compute_app.build(conf, state=state)) as server:
            session = requests.Session()
            url = f"{server.url}/v2.1/servers/detail?all_tenants=1&limit=1000"
            session.get(url, headers=HEADERS, timeout=120).raise_for_status()   # warm up
            page_times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                resp = session.get(url, headers=HEADERS, timeout=120)
                resp.raise_for_status()
                page_times.append(time.perf_counter() - t0)
            returned = len(resp.json()["servers"])
            walk_times, pages = [], 0
            for _ in range(args.walks):
                t0 = time.perf_counter()
                pages = _walk(session, server.url, args.page_size, args.instances)
                walk_times.append(time.perf_counter() - t0)
        print(json.dumps({
            "benchmark": "list_servers", "backend": args.backend,
            "instances": args.instances, "cells": args.cells, "seed_s": round(seeded, 2),
            "detail_page": {"limit": 1000, "returned": returned, **_percentiles(page_times)},
            "walk": {"page_size": args.page_size, "pages": pages,
                     **_percentiles(walk_times)},
        }, indent=2))
    finally:
        cell_databases.dispose()
        api_db.dispose()
        for tmp in tmps:
            tmp.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
