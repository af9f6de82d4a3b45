"""``nubes-manage cell_v2 ...``: argument parsing, output and exit codes.

The work itself lives in ``nubes.cells.admin``; this module turns its
results and exceptions into the exit codes OpenStack operators' scripts
already expect from ``nova-manage cell_v2``.
"""
from __future__ import annotations

import argparse
import textwrap
from typing import Callable

from nubes.cells import exceptions as exc
from nubes.cells import urls
from nubes.cells.admin import Report
from nubes.cells.admin import cells as cells_admin
from nubes.cells.admin import hosts as hosts_admin
from nubes.cells.admin import instances as instances_admin
from nubes.cells.admin import setup as setup_admin
from nubes.cells.targeting import CellDatabases
from nubes.cmd.manage_output import err as _err, one_line, out as _out
from nubes.common.db.transaction import Database

# Every cell_v2 command: 255 when it cannot run at all (no [api_database]
# connection, a database that cannot be reached, an unexpected error);
# 2 for bad or missing arguments (argparse).
UNUSABLE = 255
COMMON_CODES = ("255  [api_database] connection missing, a database unreachable, or an "
                "unexpected error\n  (2 also means bad or missing arguments, as argparse "
                "reports them)")


def _report(verbose: bool) -> Report:
    return Report(info=_out, detail=_out if verbose else (lambda _m: None))


def render_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([rule, line(headers), rule, *[line(r) for r in rows], rule])


# --- commands ------------------------------------------------------------------
# Each takes (conf, args, api_db, databases) and returns an exit code.

def _map_cell0(conf, args, api_db, databases) -> int:
    try:
        cell, created = cells_admin.map_cell0(api_db, args.database_connection,
                                              conf.database.connection)
    except exc.InvalidDatabaseURL as err:
        _err(str(err))
        return 1
    if created:
        _out(f"Mapped cell0 to {urls.mask(cell.database_connection)}")
    else:
        _out("Cell0 is already setup")
    return 0


def _create_cell(conf, args, api_db, databases) -> int:
    try:
        cell = cells_admin.create_cell(
            api_db, name=args.name,
            transport_url=args.transport_url or conf.transport_url,
            database_connection=args.database_connection or conf.database.connection,
            disabled=args.disabled, report=Report(info=_err))
    except (exc.InvalidTransportURL, exc.InvalidDatabaseURL,
            exc.CellDatabaseUnreachable) as err:
        _err(str(err))
        return 1
    except exc.DuplicateCell as err:
        _err(str(err))
        return 2
    _out(cell.uuid if args.verbose else f"Created cell {cell.label}")
    return 0


def _list_cells(conf, args, api_db, databases) -> int:
    show = (lambda u: u) if args.verbose else urls.mask
    rows = [[c.name or "", c.uuid, show(c.transport_url), show(c.database_connection),
             str(c.disabled)] for c in cells_admin.list_cells(api_db)]
    _out(render_table(["Name", "UUID", "Transport URL", "Database Connection", "Disabled"],
                      rows))
    return 0


def _update_cell(conf, args, api_db, databases) -> int:
    try:
        cell = cells_admin.update_cell(
            api_db, args.cell_uuid, name=args.name, transport_url=args.transport_url,
            database_connection=args.database_connection, disable=args.disable,
            enable=args.enable)
    except exc.CellNotFound as err:
        _err(str(err))
        return 1
    except (exc.InvalidTransportURL, exc.InvalidDatabaseURL,
            exc.CellDatabaseUnreachable) as err:
        _err(str(err))
        return 2
    except exc.DuplicateCell as err:
        _err(str(err))
        return 3
    except exc.ConflictingOptions as err:
        _err(str(err))
        return 4
    except exc.Cell0Immutable as err:
        _err(str(err))
        return 5
    _out(f"Updated cell {cell.label}; restart or send SIGHUP to the API and scheduler "
         "services so they see the change")
    return 0


def _delete_cell(conf, args, api_db, databases) -> int:
    codes = {exc.CellNotFound: 1, exc.CellHasHosts: 2, exc.CellHasInstances: 3,
             exc.CellHasInstanceMappings: 4, exc.CellDatabaseUnreachable: UNUSABLE}
    try:
        cell = cells_admin.delete_cell(api_db, databases, args.cell_uuid, force=args.force,
                                       report=_report(True))
    except tuple(codes) as err:
        _err(str(err))
        return codes[type(err)]
    _out(f"Deleted cell {cell.label}")
    return 0


def _discover_hosts(conf, args, api_db, databases) -> int:
    try:
        found = hosts_admin.discover_hosts(api_db, databases, cell_uuid=args.cell_uuid,
                                           by_service=args.by_service,
                                           report=_report(args.verbose))
    except exc.CellNotFound as err:
        _err(str(err))
        return 1
    _out(f"Mapped {len(found.mapped)} new host(s).")
    if found.conflicts:
        return 2
    if found.failed_cells:
        return 1
    if args.strict and not found.mapped:
        return 1
    return 0


def _list_hosts(conf, args, api_db, databases) -> int:
    try:
        mappings = hosts_admin.list_hosts(api_db, args.cell_uuid)
    except exc.CellNotFound as err:
        _err(str(err))
        return 1
    _out(render_table(["Cell Name", "Cell UUID", "Hostname"],
                      [[m.cell_name or "", m.cell_uuid, m.host] for m in mappings]))
    return 0


def _map_instances(conf, args, api_db, databases) -> int:
    max_count = None
    if args.max_count is not None:
        try:
            max_count = int(args.max_count)
        except ValueError:
            max_count = 0
        if max_count < 1:
            _err(f"--max-count must be a positive integer, not {args.max_count!r}")
            return 127
    try:
        run = instances_admin.map_instances(api_db, databases, args.cell_uuid,
                                            max_count=max_count, reset=args.reset,
                                            report=_report(False))
    except (exc.CellNotFound, exc.CellDatabaseUnreachable) as err:
        _err(str(err))
        return UNUSABLE
    if run.complete:
        _out(f"All instances are mapped ({run.mapped} mapping(s) created).")
        return 0
    _out(f"Mapped {run.mapped} instance(s) of the {run.examined} examined; more remain: "
         "run map_instances again to continue.")
    return 1


def _verify_instance(conf, args, api_db, databases) -> int:
    try:
        result = instances_admin.verify_instance(api_db, databases, args.uuid)
    except exc.CellDatabaseUnreachable as err:
        _err(str(err))
        return UNUSABLE
    if not args.quiet:
        _out(result.message)
    return int(result.verdict)


def _simple_cell_setup(conf, args, api_db, databases) -> int:
    try:
        done = setup_admin.simple_cell_setup(
            api_db, databases, transport_url=args.transport_url or conf.transport_url,
            database_connection=conf.database.connection, report=_report(False))
    except exc.CellsError as err:
        _err(str(err))
        return 1
    if done.already_done:
        return 0
    if not done.hosts_mapped:
        _out("No hosts found to map to cell, exiting.")
        return 1
    return 0


# --- parser ------------------------------------------------------------------------

def _codes(*lines: str) -> str:
    return "exit codes:\n  " + "\n  ".join(lines + (COMMON_CODES,))


def _both(parser: argparse.ArgumentParser, name: str, **kwargs) -> None:
    """``--cell_uuid`` and ``--cell-uuid`` alike (nova mixes the two styles)."""
    dashed, underscored = name.replace("_", "-"), name.replace("-", "_")
    flags = [f"--{name}"] + [f"--{n}" for n in (dashed, underscored) if n != name]
    parser.add_argument(*flags, dest=underscored, **kwargs)


def add_parsers(categories) -> None:
    cell_v2 = categories.add_parser("cell_v2", help="cells: mappings, hosts, instances")
    sub = cell_v2.add_subparsers(dest="action", required=True)

    def command(name: str, func: Callable, help_: str, codes: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_.split(".  ")[0].rstrip(".") + ".",
                           description=textwrap.fill(help_, 79), epilog=codes,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func, needs_api_db=True)
        return p

    _add_cell_commands(command)
    _add_host_commands(command)
    _add_instance_commands(command)


def _add_cell_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """map_cell0, create_cell, list_cells, update_cell, delete_cell."""
    p = command("map_cell0", _map_cell0,
                "Create the cell0 mapping (idempotent).  Without --database_connection, "
                "cell0's database is [database] connection's with '_cell0' added to the "
                "database name.",
                _codes("0    cell0 mapped, or already was",
                       "1    no usable database connection given or derivable"))
    _both(p, "database_connection", metavar="URL")

    p = command("create_cell", _create_cell,
                "Create a cell mapping.  Defaults: [DEFAULT] transport_url and [database] "
                "connection.  The database must be reachable (its schema may be empty: "
                "run 'db sync --database_connection URL' next).",
                _codes("0    created (--verbose prints just the new cell's uuid)",
                       "1    transport URL or database connection missing or invalid, "
                       "or the database cannot be reached",
                       "2    another cell already uses this transport URL and database"))
    p.add_argument("--name")
    _both(p, "transport-url", metavar="URL")
    _both(p, "database_connection", metavar="URL")
    p.add_argument("--disabled", action="store_true",
                   help="create it disabled: nothing is scheduled to it")
    p.add_argument("--verbose", action="store_true")

    p = command("list_cells", _list_cells,
                "List cell mappings; passwords in URLs are masked unless --verbose.",
                _codes("0    listed"))
    p.add_argument("--verbose", action="store_true", help="show URLs unmasked")

    p = command("update_cell", _update_cell,
                "Change a cell mapping.  Running API and scheduler services see the change "
                "after a restart or SIGHUP.",
                _codes("0    updated", "1    no cell with that uuid",
                       "2    a new URL is invalid, or the new database cannot be reached",
                       "3    another cell already uses the resulting transport URL and "
                       "database",
                       "4    both --disable and --enable given",
                       "5    tried to disable/enable cell0 or give it a transport URL"))
    _both(p, "cell_uuid", required=True)
    p.add_argument("--name")
    _both(p, "transport-url", metavar="URL")
    _both(p, "database_connection", metavar="URL")
    p.add_argument("--disable", action="store_true")
    p.add_argument("--enable", action="store_true")

    p = command("delete_cell", _delete_cell,
                "Delete a cell mapping.  Refused while hosts are mapped to it (--force "
                "deletes their host mappings and marks the compute nodes unmapped), "
                "always refused while it has live instances, and refused while mappings "
                "of its deleted instances remain (--force deletes them).",
                _codes("0    deleted", "1    no cell with that uuid",
                       "2    hosts are mapped to the cell (use --force)",
                       "3    the cell has instances that are not deleted",
                       "4    only deleted instances remain but their mappings exist "
                       "(use --force)"))
    _both(p, "cell_uuid", required=True)
    p.add_argument("--force", action="store_true")



def _add_host_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """discover_hosts, list_hosts."""
    p = command("discover_hosts", _discover_hosts,
                "Map the compute hosts of every cell (or of --cell_uuid) to their cell.  "
                "Idempotent; re-run after adding computes.",
                _codes("0    done (with --strict: only if a new host was mapped)",
                       "1    no such cell, a cell database could not be read, or --strict "
                       "and nothing new was mapped",
                       "2    a host is already mapped to another cell"))
    _both(p, "cell_uuid")
    _both(p, "by-service", action="store_true",
          help="map the hosts of compute services, not of compute nodes")
    p.add_argument("--strict", action="store_true")
    p.add_argument("--verbose", action="store_true", help="print every host")

    p = command("list_hosts", _list_hosts, "List host mappings (of one cell with "
                "--cell_uuid).", _codes("0    listed", "1    no cell with that uuid"))
    _both(p, "cell_uuid")



def _add_instance_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """map_instances, verify_instance, simple_cell_setup."""
    p = command("map_instances", _map_instances,
                "Create the missing instance mappings of a cell's instances, oldest first, "
                "in batches of 50.  A run cut short by --max-count resumes where it "
                "stopped; --reset starts from the beginning.",
                _codes("0    all instances of the cell are mapped",
                       "1    --max-count reached and instances remain: run it again",
                       "127  --max-count is not a positive integer",
                       "255  no cell with that uuid, or its database cannot be read"))
    _both(p, "cell_uuid", required=True)
    _both(p, "max-count", metavar="N")
    p.add_argument("--reset", action="store_true")

    p = command("verify_instance", _verify_instance,
                "Check that an instance is mapped to the cell that holds it.",
                _codes("0    mapped to a cell",
                       "1    not mapped (run map_instances)",
                       "2    mapped, but to no cell",
                       "3    the instance is deleted but still mapped",
                       "4    the instance is archived but still mapped"))
    p.add_argument("--uuid", required=True)
    p.add_argument("--quiet", action="store_true")

    p = command("simple_cell_setup", _simple_cell_setup,
                "One-shot setup of a single-cell deployment: map cell0 beside [database] "
                "connection and upgrade its schema, create cell1 from --transport-url (or "
                "[DEFAULT] transport_url) and [database] connection, map its hosts and "
                "instances.  Does nothing if a cell other than cell0 exists.",
                _codes("0    set up, or already was",
                       "1    no hosts to map, a missing or invalid transport URL or "
                       "database, or a database that cannot be reached"))
    _both(p, "transport-url", metavar="URL")


def run(conf, args) -> int:
    url = conf.api_database.connection
    if not url:
        _err("[api_database] connection is not set; add it to the config file given with "
             "--config-file")
        return UNUSABLE
    api_db = Database.from_options(conf.api_database)
    databases = CellDatabases.from_conf(conf)
    try:
        return args.func(conf, args, api_db, databases)
    except Exception as err:  # noqa: BLE001 - the operator gets one line and 255
        _err(one_line(err))
        return UNUSABLE
    finally:
        databases.dispose()
        api_db.dispose()
