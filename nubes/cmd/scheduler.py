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

from nubes.cmd import service_main
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
    if service_main.missing("nubes-scheduler", conf, "api_database", "transport_url",
                            "placement_client"):
        return 1
    api_db = Database.from_options(conf.api_database)
    transport = rpc.from_conf(conf)

    def start() -> Scheduler:
        scheduler = Scheduler(conf, api_db, transport).start()
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: scheduler.refresh())
        return scheduler
    try:
        service_main.run_service("nubes-scheduler", start,
                                 lambda scheduler: f"{scheduler.host} serving on {transport!r}",
                                 grace=conf.graceful_shutdown_timeout)
    finally:
        transport.close()
        api_db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
