"""nubes-conductor: the cell conductor of one cell.

It serves topic ``conductor`` on the cell's bus (``[DEFAULT]
transport_url``) with the cell's database (``[database] connection``);
compute agents of the cell reach their database only through it.  Run as
many as you like per cell: they share the work.  Stops on SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from nubes.common import config, log, rpc
from nubes.common.db.transaction import Database
from nubes.conductor.runner import CellConductor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-conductor",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-conductor")
    log.setup(conf)
    if not conf.database.connection:
        print("nubes-conductor: [database] connection is not set", file=sys.stderr)
        return 1
    if not conf.transport_url:
        print("nubes-conductor: [DEFAULT] transport_url is not set", file=sys.stderr)
        return 1
    db = Database(conf.database.connection, max_retries=conf.database.max_retries,
                  pool_size=conf.database.max_pool_size,
                  max_overflow=conf.database.max_overflow)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    transport = rpc.from_conf(conf)
    try:
        conductor = CellConductor(conf, db, transport).start()
        print(f"nubes-conductor: {conductor.host} serving on {transport!r}",
              file=sys.stderr, flush=True)
        while not stop.wait(1.0):
            pass
        conductor.stop()
    finally:
        transport.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
