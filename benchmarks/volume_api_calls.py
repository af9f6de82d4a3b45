"""The volume API's own share of an attach+detach cycle, in one process.

A volume API on a temporary SQLite database (with its in-process volume
manager) is called through the typed client compute uses, handed to the
app in-process as ``nubes up`` does (no socket): per cycle the seven calls
compute makes to attach and detach a volume (``get_volume``,
``attachment_create``, ``attachment_update`` with a connector,
``attachment_complete``, ``begin_detaching``, ``attachment_delete``,
``get_volume``).  Prints one JSON document: CPU milliseconds per cycle and
per call (process time, one thread), and the wall time.  ``--profile N``
adds cProfile's top N functions by internal time.

    .venv/bin/python benchmarks/volume_api_calls.py --cycles 500
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nubes.common import config, local_wsgi, rpc
from nubes.common.db.transaction import Database
from nubes.volume import schema_sync
from nubes.volume.api import app as volume_app
from nubes.volume.client import VolumeClient
from nubes.volume.manager.process import VolumeManager

ENDPOINT = "http://volume-bench.invalid:8776"
CONNECTOR = {"host": "bench-host", "initiator": "iqn.bench", "mountpoint": "/dev/vdb"}


def cycle(client: VolumeClient, volume_id: str) -> None:
    kw = {"token": "bench"}
    client.get_volume(volume_id, **kw)
    attachment = client.attachment_create(volume_id, instance_uuid=str(uuid.uuid4()), **kw)
    client.attachment_update(attachment.id, CONNECTOR, **kw)
    client.attachment_complete(attachment.id, **kw)
    client.begin_detaching(volume_id, **kw)
    client.attachment_delete(attachment.id, **kw)
    client.get_volume(volume_id, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--volumes", type=int, default=50)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="nubes-volume-bench-")
    url = f"sqlite:///{workdir}/volume.sqlite"
    conf = config.load(overrides={
        "api": {"auth_strategy": "noauth2"}, "volume_database": {"connection": url},
        "file_backend": {"volumes_dir": f"{workdir}/volumes", "total_capacity_gb": 100000},
        "volume_quota": {"quota_volumes": -1, "quota_gigabytes": -1}})
    db = Database(url)
    schema_sync.upgrade(db)
    transport = rpc.get_transport(f"memory://volume-bench-{uuid.uuid4().hex[:8]}")
    manager = VolumeManager(conf, db, transport).start()
    state = volume_app.build_state(conf, db, transport=transport)
    local_wsgi.register(ENDPOINT, volume_app.build(conf, state=state))
    try:
        client = VolumeClient(ENDPOINT)
        client._session.headers.update({"X-User-Id": "bench", "X-Project-Id": "bench",
                                         "X-Roles": "member,reader"})
        ids = [client.create_volume(1, token="bench").id for _ in range(args.volumes)]
        manager.wait_idle(60)
        for i in range(min(20, args.cycles)):          # warm the statement caches
            cycle(client, ids[i % len(ids)])
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        for i in range(args.cycles):
            cycle(client, ids[i % len(ids)])
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        result = {"cycles": args.cycles, "calls_per_cycle": 7,
                  "cpu_ms_per_cycle": round(cpu / args.cycles * 1000, 2),
                  "cpu_ms_per_call": round(cpu / args.cycles / 7 * 1000, 3),
                  "wall_s": round(wall, 2), "profiled": bool(profiler)}
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            result["profile"] = out.getvalue().splitlines()
        print(json.dumps(result, indent=2))
    finally:
        local_wsgi.unregister(ENDPOINT)
        state.close()
        manager.stop()
        transport.close()
        db.dispose()


if __name__ == "__main__":
    main()
