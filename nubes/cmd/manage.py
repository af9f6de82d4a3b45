"""nubes-manage: database schemas and operator tasks.

Exit codes: 0 success, 1 the command failed (the message says why and what
to do next), 2 bad usage.
"""
from __future__ import annotations

import argparse
import sys

from nubes.common import config
from nubes.placement import app as placement_app
from nubes.placement import schema_sync as placement_schema


def _db_sync(conf, args) -> int:
    url = conf.placement_database.connection
    if not url:
        print("error: [placement_database] connection is not set; add it to the "
              "config file given with --config-file", file=sys.stderr)
        return 1
    db = placement_app.database_from_conf(conf)
    print("placement database: upgrading schema ...", flush=True)
    placement_schema.upgrade(db)
    print("placement database: schema is current", flush=True)
    db.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nubes-manage", description="Manage nubes databases and cells.")
    parser.add_argument("--config-file", action="append", default=None,
                        help="nubes.conf; may be repeated (default: $NUBES_CONFIG_FILE)")
    sub = parser.add_subparsers(dest="category", required=True)
    db = sub.add_parser("db", help="placement and cell database schemas")
    db_sub = db.add_subparsers(dest="action", required=True)
    sync = db_sub.add_parser("sync", help="create or upgrade the schema (idempotent)")
    sync.set_defaults(func=_db_sync)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        conf = config.load(config_files=args.config_file, prog="nubes-manage")
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return args.func(conf, args)


if __name__ == "__main__":
    sys.exit(main())
