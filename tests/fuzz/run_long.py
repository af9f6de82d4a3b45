"""The long hostile-input run: thousands of generated requests per API on
every backend, then counts per API (requests, answers by status class, 5xx,
hangs) and every request that broke the invariant.

    python -m tests.fuzz.run_long              # 5000 per API, SQLite (+ configured servers)
    NUBES_TEST_MYSQL_URL=mysql+pymysql://root@127.0.0.1:3306/test \\
    NUBES_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        python -m tests.fuzz.run_long --examples 5000
    make fuzz FUZZ_ARGS="--backend postgresql --api placement"

Exits 1 when any request broke the invariant (see docs/testing.md).
"""
from __future__ import annotations

import argparse
import collections
import logging
import sys
import tempfile
import time
import warnings

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fixtures import databases
from tests.fuzz import (routes_compute, routes_identity, routes_image, routes_placement,
                        routes_volume)
from tests.fuzz.cloud import FuzzCloud
from tests.fuzz.generate import Api, request_for
from tests.fuzz.runner import Tally, check

CHUNK = 250
APIS = {"compute": routes_compute.api, "placement": routes_placement.api,
        "image": routes_image.api, "identity": routes_identity.api,
        "volume": routes_volume.api}


class LoggedProblems(logging.Handler):
    """Counts the warnings and errors the cloud logs (instead of printing
    them): a 4xx that logs a traceback, or a cell "failing" on a bad id, is
    worth a look even when the answer is right."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts: collections.Counter = collections.Counter()

    @classmethod
    def install(cls) -> LoggedProblems:
        handler = cls()
        root = logging.getLogger()
        root.handlers = [handler]
        root.setLevel(logging.WARNING)
        root._nubes_configured = True   # nubes.common.log.setup leaves it as it is
        return handler

    def emit(self, record: logging.LogRecord) -> None:
        what = record.getMessage().splitlines()[0][:160] if record.msg else ""
        if record.exc_info and record.exc_info[0] is not None:
            what += f" [{record.exc_info[0].__name__}]"
        self.counts[(record.levelname, record.name, what)] += 1

    def report(self) -> str:
        lines = [f"  logged by the cloud: {sum(self.counts.values())} warnings and errors"]
        lines += [f"    {n:5} {level} {name}: {what}"
                  for (level, name, what), n in self.counts.most_common(15)]
        return "\n".join(lines)


def run_api(fuzz: FuzzCloud, api: Api, examples: int, tally: Tally, rng_seed: int,
            show: set[int] = frozenset()) -> None:
    @settings(max_examples=examples, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @seed(rng_seed)
    @given(data=st.data())
    def one(data):
        request = data.draw(request_for(api, fuzz.seeds[api.name]))
        outcome = check(fuzz, request, api.not_implemented)
        tally.add(outcome)
        if outcome.problems:
            print(f"INVARIANT BROKEN: {outcome!r}", flush=True)
        elif outcome.status in show:
            print(f"{outcome!r}", flush=True)
    one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="requests per API")
    parser.add_argument("--backend", action="append", choices=["sqlite", "mysql", "postgresql"],
                        help="default: SQLite and every backend whose NUBES_TEST_*_URL is set")
    parser.add_argument("--api", action="append", choices=sorted(APIS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, action="append", default=[],
                        help="print every request answered with this status")
    args = parser.parse_args(argv)
    logged = LoggedProblems.install()
    warnings.simplefilter("ignore")     # hypothesis: the cloud's threads use `random`
    broken = 0
    for backend in args.backend or databases.backends():
        tally = Tally()
        with tempfile.TemporaryDirectory(prefix="nubes-fuzz-") as state:
            started = time.monotonic()
            fuzz = FuzzCloud(backend, state + "/state")
            try:
                for name in args.api or list(APIS):
                    # Chunks with seeds of their own: hypothesis explores
                    # near what it has seen, a new seed starts elsewhere.
                    for chunk in range(0, args.examples, CHUNK):
                        run_api(fuzz, APIS[name](), min(CHUNK, args.examples - chunk), tally,
                                args.seed * 1000 + chunk // CHUNK, set(args.show))
                    print(tally.report(f"[{backend}] after {name} "
                                       f"({time.monotonic() - started:.0f}s)"), flush=True)
            finally:
                fuzz.stop()
        print(tally.report(f"== {backend}: {args.examples} generated requests per API"))
        print(logged.report())
        logged.counts.clear()
        broken += len(tally.failures)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
