"""RPC bus benchmark: call latency and cast throughput per transport.

    .venv/bin/python benchmarks/rpc.py --calls 2000 --casts 5000
    .venv/bin/python benchmarks/rpc.py --transport memory --calls 500 --casts 1000

Prints one JSON document: per transport, call p50/p95/p99 in milliseconds
(one caller, one server, a trivial endpoint) and casts per second, both as
the publisher sees them (``cast()`` returned: accepted by the bus) and end to
end (all delivered to the endpoint).  RabbitMQ is measured when ``--rabbit-url``
or ``NUBES_TEST_RABBIT_URL`` is given (default rabbit://guest:guest@127.0.0.1:5672/);
its queues use a unique topic and are deleted afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nubes.common import rpc  # noqa: E402
from nubes.common.context import RequestContext  # noqa: E402
from nubes.common.rpc.transport import TransportOptions  # noqa: E402

OPTIONS = TransportOptions(queue_ttl=120)


class Endpoint:
    def __init__(self, expected: int):
        self.count = 0
        self.expected = expected
        self.lock = threading.Lock()
        self.all_in = threading.Event()

    def echo(self, ctx, value):
        return value

    def note(self, ctx, value):
        with self.lock:
            self.count += 1
            if self.count >= self.expected:
                self.all_in.set()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def measure(url: str, calls: int, casts: int, threads: int) -> dict:
    topic = "bench" + uuid.uuid4().hex[:8]
    endpoint = Endpoint(casts)
    server_transport = rpc.get_transport(url, OPTIONS)
    client_transport = rpc.get_transport(url, OPTIONS)
    server = rpc.RPCServer(server_transport, topic, "bench-host", [endpoint]).start()
    client = rpc.RPCClient(client_transport, rpc.Target(topic), timeout=30)
    ctx = RequestContext(user_id="bench", project_id="bench")
    try:
        for i in range(min(100, calls)):  # warm up connections and caches
            client.call(ctx, "echo", value=i)
        latencies = []
        for i in range(calls):
            started = time.perf_counter()
            client.call(ctx, "echo", value=i)
            latencies.append((time.perf_counter() - started) * 1000)

        per_thread = casts // threads

        def cast_some() -> None:
            for i in range(per_thread):
                client.cast(ctx, "note", value=i)

        endpoint.expected = per_thread * threads
        workers = [threading.Thread(target=cast_some) for _ in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        published = time.perf_counter() - started
        endpoint.all_in.wait(300)
        delivered = time.perf_counter() - started
        sent = per_thread * threads
        return {
            "calls": calls,
            "call_ms": {"p50": round(percentile(latencies, 50), 3),
                        "p95": round(percentile(latencies, 95), 3),
                        "p99": round(percentile(latencies, 99), 3),
                        "mean": round(statistics.fmean(latencies), 3)},
            "casts": sent,
            "cast_threads": threads,
            "casts_per_s": round(sent / published),
            "casts_delivered_per_s": round(endpoint.count / delivered),
        }
    finally:
        server.stop()
        client_transport.close()
        server_transport.close()
        if url.startswith(("rabbit://", "amqp://")):
            _delete_queues(url, [topic, f"{topic}.bench-host"])


def _delete_queues(url: str, names: list[str]) -> None:
    import kombu

    from nubes.common.rpc.rabbit import kombu_urls
    with kombu.Connection(kombu_urls(url)[0][0]) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(queue=name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transport", choices=["memory", "rabbit"], action="append",
                        help="repeatable; default both")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--casts", type=int, default=5000)
    parser.add_argument("--cast-threads", type=int, default=1)
    parser.add_argument("--rabbit-url", default=os.environ.get(
        "NUBES_TEST_RABBIT_URL", "rabbit://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    urls = {"memory": "memory://bench-" + uuid.uuid4().hex[:8], "rabbit": args.rabbit_url}
    results = {"python": platform.python_version(), "cpus": os.cpu_count(),
               "load_avg_1m": round(os.getloadavg()[0], 2)}
    for name in args.transport or ["memory", "rabbit"]:
        results[name] = measure(urls[name], args.calls, args.casts, args.cast_threads)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
