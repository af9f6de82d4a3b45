"""nubes-conductor: a cell's conductor, or (--super) the super-conductor.

The cell conductor serves topic ``conductor`` on the cell's bus
(``[DEFAULT] transport_url``) with the cell's database (``[database]
connection``); compute agents of the cell reach their database only
through it, and it reschedules failed builds onto alternates.

``--super`` runs the API-level conductor instead: topic ``conductor`` on the
API-level bus (``[DEFAULT] transport_url`` of the API services) with the
API database (``[api_database] connection``), the cells' databases and buses
(from the cell mappings), the scheduler and placement (``[placement_client]``).
It is one program with a mode, as nova's is, so a deployment runs the same
binary with another config file at each level.

Run as many of either as you like: they share the work.  Stops on
SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import sys

from nubes.cmd import service_main
from nubes.common import config, log, rpc
from nubes.common.db.transaction import Database
from nubes.conductor.cell.process import CellConductor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nubes-conductor",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    parser.add_argument("--super", action="store_true",
                        help="run the API-level super-conductor instead of a cell conductor")
    args = parser.parse_args(argv)
    conf = config.load(config_files=args.config_file, prog="nubes-conductor")
    log.setup(conf)
    if args.super:
        from nubes.conductor.super.process import SuperConductor
        return _serve(conf, "nubes-conductor --super", "api_database", SuperConductor,
                      "super-conductor ")
    return _serve(conf, "nubes-conductor", "database", CellConductor, "")


def _serve(conf, prog: str, database: str, conductor_cls, label: str) -> int:
    """Run one conductor on ``[DEFAULT] transport_url`` with the database of
    option group ``database`` until SIGTERM/SIGINT."""
    if service_main.missing(prog, conf, database, "transport_url"):
        return 1
    db = Database.from_options(getattr(conf, database))
    transport = rpc.from_conf(conf)
    try:
        service_main.run_service(
            "nubes-conductor", lambda: conductor_cls(conf, db, transport).start(),
            lambda conductor: f"{label}{conductor.host} serving on {transport!r}",
            grace=conf.graceful_shutdown_timeout)
    finally:
        transport.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
