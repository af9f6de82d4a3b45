"""nubes-scheduler: picks hosts for new instances and claims them in placement.

It serves topic ``scheduler`` on the API-level bus (``[DEFAULT]
transport_url``), reads host mappings and aggregates from ``[api_database]
connection`` and each cell's database through its cell mapping, and asks
placement at ``[placement_client] endpoint``.  Run as many as you like.
Stops on SIGTERM/SIGINT; SIGHUP re-reads the cell mappings.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from nubes.common import config, log, rpc
from nubes.common.db.transaction import Database
from nubes.scheduler.process import Scheduler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-scheduler",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-scheduler")
    log.setup(conf)
    for group, option, value in (("api_database", "connection", conf.api_database.connection),
                                 ("DEFAULT", "transport_url", conf.transport_url),
                                 ("placement_client", "endpoint",
                                  conf.placement_client.endpoint)):
        if not value:
            print(f"nubes-scheduler: [{group}] {option} is not set", file=sys.stderr)
            return 1
    api_db = Database.from_options(conf.api_database)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    transport = rpc.from_conf(conf)
    scheduler = None
    try:
        scheduler = Scheduler(conf, api_db, transport).start()
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: scheduler.refresh())
        print(f"nubes-scheduler: {scheduler.host} serving on {transport!r}",
              file=sys.stderr, flush=True)
        while not stop.wait(1.0):
            pass
    finally:
        if scheduler is not None:
            scheduler.stop()
        transport.close()
        api_db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
