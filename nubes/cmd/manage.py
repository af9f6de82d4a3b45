"""nubes-manage: database schemas and operator tasks.

Exit codes: 0 success, 1 the command failed (the message says why and what
to do next), 2 bad usage.  ``cell_v2`` commands have their own codes,
matching ``nova-manage cell_v2`` (see ``nubes-manage cell_v2 <command> --help``),
and so does ``placement audit`` (``nova-manage placement audit``).
"""
from __future__ import annotations

import argparse
import sys

from nubes.cells import schema_sync as cells_schema
from nubes.cells import urls
from nubes.cells.admin import Report
from nubes.cells.admin import setup as cell_setup
from nubes.cells.exceptions import CellsError
from nubes.cmd import manage_cell_v2, manage_placement
from nubes.common import config
from nubes.common.db.transaction import Database
from nubes.placement import app as placement_app
from nubes.placement import schema_sync as placement_schema

_REPORT = Report(info=lambda m: print(m, flush=True))


def _db_sync(conf, args) -> int:
    """Placement database and this service's cell database (plus cell0's
    when the API database maps it), or just --database_connection."""
    if args.database_connection:
        return _sync_cell_url(args.database_connection, "cell database",
                              conf.api_database.connection)
    placement_url = conf.placement_database.connection
    cell_url = conf.database.connection
    if not placement_url and not cell_url:
        print("error: nothing to sync: set [placement_database] connection and/or "
              "[database] connection in the config file given with --config-file",
              file=sys.stderr)
        return 1
    if placement_url:
        db = placement_app.database_from_conf(conf)
        try:
            print("placement database: upgrading schema ...", flush=True)
            placement_schema.upgrade(db)
            print("placement database: schema is current", flush=True)
        finally:
            db.dispose()
    if cell_url:
        code = _sync_cell_url(cell_url, "cell database", conf.api_database.connection)
        if code:
            return code
    if cell_url and conf.api_database.connection and not args.local_cell:
        return _sync_cell0(conf)
    return 0


def _sync_cell_url(url: str, label: str, api_url: str | None = None) -> int:
    """Upgrade one cell database; with the API database, also set the cell's
    id range once it is mapped."""
    try:
        url = urls.check_database_url(url)
    except CellsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    db = Database(url)
    api_db = Database(api_url) if api_url else None
    try:
        cell_setup.upgrade_cell_database(db, label, _REPORT, api_db=api_db)
    except CellsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
        if api_db is not None:
            api_db.dispose()
    return 0


def _sync_cell0(conf) -> int:
    api_db = Database(conf.api_database.connection)
    try:
        cell0 = cell_setup.cell0(api_db)
    except Exception as err:  # noqa: BLE001 - reported, not raised
        print(f"error: cannot read the cell0 mapping from the API database: "
              f"{getattr(err, 'orig', err)}", file=sys.stderr)
        return 1
    finally:
        api_db.dispose()
    if cell0 is None:
        return 0  # not mapped yet: map_cell0 or simple_cell_setup will follow
    if cell0.database_connection == conf.database.connection:
        return 0
    return _sync_cell_url(cell0.database_connection, "cell0 database")


def _api_db_sync(conf, args) -> int:
    url = conf.api_database.connection
    if not url:
        print("error: [api_database] connection is not set; add it to the config file "
              "given with --config-file", file=sys.stderr)
        return 1
    db = Database(url)
    try:
        print("API database: upgrading schema ...", flush=True)
        cells_schema.upgrade_api(db)
        print("API database: schema is current", flush=True)
    except Exception as err:  # noqa: BLE001 - one line for the operator
        print(f"error: API database {urls.mask(url)}: {getattr(err, 'orig', err)}",
              file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nubes-manage", description="Manage nubes databases and cells.")
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    sub = parser.add_subparsers(dest="category", required=True)

    db = sub.add_parser("db", help="placement and cell database schemas")
    db_sub = db.add_subparsers(dest="action", required=True)
    sync = db_sub.add_parser(
        "sync", help="create or upgrade the schema (idempotent)",
        description="Upgrade [placement_database] connection and [database] connection "
                    "(this service's cell) to the newest schema, and cell0's database "
                    "too when [api_database] connection maps it (unless --local_cell).  "
                    "With --database_connection, upgrade only that cell database.  "
                    "Exit codes: 0 done, 1 nothing configured or a database failed.")
    sync.add_argument("--local_cell", "--local-cell", dest="local_cell", action="store_true",
                      help="do not upgrade cell0's database")
    sync.add_argument("--database_connection", "--database-connection",
                      dest="database_connection", metavar="URL",
                      help="upgrade this cell database only (e.g. a new cell's)")
    sync.set_defaults(func=_db_sync)

    api_db = sub.add_parser("api_db", help="the API database schema")
    api_sub = api_db.add_subparsers(dest="action", required=True)
    api_sync = api_sub.add_parser(
        "sync", help="create or upgrade the API database schema (idempotent)",
        description="Upgrade [api_database] connection to the newest schema.  "
                    "Exit codes: 0 done, 1 not configured or the upgrade failed.")
    api_sync.set_defaults(func=_api_db_sync)

    manage_cell_v2.add_parsers(sub)
    manage_placement.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        conf = config.load(config_files=args.config_file, prog="nubes-manage")
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "needs_api_db", False):
        return manage_cell_v2.run(conf, args)
    return args.func(conf, args)


if __name__ == "__main__":
    sys.exit(main())
