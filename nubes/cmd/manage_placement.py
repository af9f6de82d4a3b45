"""``nubes-manage placement ...``: argument parsing, output and exit codes.

The work lives in ``nubes.cells.admin.placement_audit`` and
``nubes.cells.admin.heal_allocations``; exit codes match ``nova-manage
placement audit`` and ``heal_allocations``.
"""
from __future__ import annotations

import argparse
import sys
import textwrap
import time

from nubes.cells.admin import Report
from nubes.cells.admin import heal_allocations, placement_audit
from nubes.cells.targeting import CellDatabases
from nubes.cmd.manage_output import err as _err, one_line, out as _out
from nubes.common.db.transaction import Database
from nubes.placement.client import PlacementClient, PlacementError

NONE_FOUND = 0
ERROR = 1
FOUND = 3
DELETED = 4
INVALID_INPUT = 127

# At most this often (seconds) a progress line on stderr, plus the last one.
PROGRESS_EVERY = 2.0


def _progress_printer(verbose: bool):
    last = [time.monotonic()]  # the first line after PROGRESS_EVERY, or at the end

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            line = f"Checked {done}/{total} resource provider(s)"
            if verbose:
                _out(line)
            else:
                print(line, file=sys.stderr, flush=True)
    return progress


def _audit(conf, args) -> int:
    report = Report(info=_out, detail=_out if args.verbose else (lambda _m: None))
    result, code = _run(conf, "the audit", ERROR, lambda api_db, databases, placement: (
        placement_audit.audit(api_db, databases, placement,
                              provider_uuid=args.resource_provider, delete=args.delete,
                              report=report, progress=_progress_printer(args.verbose))))
    return code if result is None else _summarise(result, args)


def _run(conf, what: str, placement_failed: int, work):
    """``work(api_db, databases, placement)`` with the connections the
    configuration names, closed after: (result, None), or (None, the exit
    code) once the failure has been said in one line."""
    found = _connections(conf)
    if found is None:
        return None, ERROR
    api_db, databases, placement = found
    try:
        return work(api_db, databases, placement), None
    except placement_audit.InvalidAuditInput as err:
        _err(str(err))
        return None, INVALID_INPUT
    except PlacementError as err:
        _err(f"{err}; check [placement_client] endpoint and that placement is up, then "
             f"run {what} again")
        return None, placement_failed
    except Exception as err:  # noqa: BLE001 - the operator gets one line
        _err(one_line(err))
        return None, ERROR
    finally:
        placement.close()
        databases.dispose()
        api_db.dispose()


# heal_allocations exit codes (nova-manage's).
HEALED = 0
MORE_LEFT = 1
NO_NODE = 2
HEAL_FAILED = 3
NOTHING_TO_HEAL = 4


def _connections(conf):
    """(api_db, databases, placement), or an error line and None."""
    if not conf.api_database.connection:
        _err("[api_database] connection is not set; add it to the config file given with "
             "--config-file")
        return None
    if not conf.placement_client.endpoint:
        _err("[placement_client] endpoint is not set; add it (and token, if placement "
             "needs one) to the config file given with --config-file")
        return None
    return (Database.from_options(conf.api_database), CellDatabases.from_conf(conf),
            PlacementClient.from_conf(conf))


def _heal(conf, args) -> int:
    if args.max_count is not None and args.max_count < 1:
        _err("--max-count must be at least 1")
        return INVALID_INPUT
    report = Report(info=_out, detail=_out if args.verbose else (lambda _m: None))
    result, code = _run(conf, "heal_allocations", HEAL_FAILED,
                        lambda api_db, databases, placement: heal_allocations.heal(
                            api_db, databases, placement, dry_run=args.dry_run,
                            max_count=args.max_count, cell=args.cell,
                            instance=args.instance, report=report))
    return code if result is None else _heal_summary(result, args)


def _heal_summary(result: heal_allocations.HealResult, args) -> int:
    if args.dry_run:
        _out(f"Dry run: {len(result.would_heal)} instance(s) would get allocations "
             f"({result.checked} checked); run again without --dry-run to write them.")
    else:
        _out(f"Processed {result.checked} instance(s): allocations created for "
             f"{len(result.healed)}.")
    if result.failed:
        _err(f"{len(result.failed)} instance(s) could not be healed (see above): check "
             "their hosts' capacity in placement and run again.")
        return HEAL_FAILED
    if result.no_node:
        _err(f"{len(result.no_node)} instance(s) have no compute node record for their "
             "host and node; check `nubes-manage cell_v2 list_hosts`.")
        return NO_NODE
    if result.more:
        _out("--max-count was reached and more instances may need healing; run again.")
        return MORE_LEFT
    return HEALED if (result.healed or result.would_heal) else NOTHING_TO_HEAL


def _summarise(result: placement_audit.AuditResult, args) -> int:
    scope = (f"{result.providers_checked} resource provider(s), "
             f"{result.consumers_checked} consumer(s)")
    code = NONE_FOUND
    if not result.orphans:
        _out(f"No orphaned allocations found ({scope} checked).")
    elif not args.delete:
        _out(f"Found {len(result.orphans)} orphaned allocation(s) of "
             f"{len(result.orphaned_consumers)} consumer(s) ({scope} checked); run again "
             "with --delete to remove them.")
        code = FOUND
    else:
        _out(f"Deleted {len(result.deleted)} of {len(result.orphans)} orphaned "
             f"allocation(s) ({scope} checked).")
        code = DELETED
        if result.no_longer_orphaned:
            _out(f"{len(result.no_longer_orphaned)} allocation(s) turned out to be in use "
                 "when checked again and were kept.")
        if result.failed:
            _err(f"{len(result.failed)} orphaned allocation(s) could not be deleted (see "
                 "above); check that placement is up and run the audit with --delete again.")
            code = ERROR
    if result.unverified:
        cells = sorted(set(result.unverified.values()))
        _err(f"{len(result.unverified)} consumer(s) could not be checked and were left "
             f"alone: {'; '.join(cells)}.  Fix access to the cell database(s) and run the "
             "audit again.")
        code = ERROR
    return code


def add_parsers(categories) -> None:
    placement = categories.add_parser("placement", help="placement housekeeping")
    sub = placement.add_subparsers(dest="action", required=True)
    description = (
        "Find allocations in placement whose consumer compute no longer knows: no live "
        "instance in the cell its instance mapping names and no build request in flight "
        "(e.g. a delete while placement was unreachable, a crash between claim and "
        "instance creation).  Every resource provider is checked, or only "
        "--resource_provider.  --delete removes the orphaned allocations from the "
        "checked provider(s) only; a consumer's allocations elsewhere stay.  Progress "
        "(providers checked / total) goes to stderr, or to stdout with --verbose.")
    codes = "\n  ".join([
        "exit codes:",
        "0    no orphaned allocations found",
        "1    an unexpected error (placement or a database unreachable, a deletion "
        "failed,",
        "     a cell database unreadable so some consumers could not be checked)",
        "3    orphaned allocations found (run again with --delete to remove them)",
        "4    every orphaned allocation found was deleted",
        "127  invalid input: a malformed --resource_provider uuid or no such provider",
        "(2 means bad or missing arguments, as argparse reports them)"])
    p = sub.add_parser("audit", help="find (and with --delete remove) orphaned allocations",
                       description=textwrap.fill(description, 79), epilog=codes,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--verbose", action="store_true",
                   help="print every provider and consumer checked, and the verdict")
    p.add_argument("--delete", action="store_true",
                   help="delete the orphaned allocations found")
    p.add_argument("--resource_provider", "--resource-provider", dest="resource_provider",
                   metavar="UUID", help="audit only this resource provider")
    p.set_defaults(func=_audit)

    heal = sub.add_parser(
        "heal_allocations", help="create missing allocations of instances on hosts",
        description=textwrap.fill(
            "Give placement allocations back to instances on a host that have none (the "
            "flavor's VCPU, MEMORY_MB and DISK_GB on the node's resource provider).  "
            "Instances being built, shelved-offloaded, soft-deleted or in a move are "
            "left alone.", 79),
        epilog="\n  ".join([
            "exit codes:", "0    allocations were created (or would be, with --dry-run)",
            "1    --max-count was reached and more instances may need healing",
            "2    an instance has no compute node record for its host and node",
            "3    allocations could not be created for some instance",
            "4    nothing needed healing", "127  invalid input"]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    heal.add_argument("--dry-run", action="store_true",
                      help="report what would be created; write nothing")
    heal.add_argument("--max-count", type=int, metavar="N",
                      help="heal at most N instances, then stop")
    heal.add_argument("--cell", metavar="UUID", help="only this cell")
    heal.add_argument("--instance", metavar="UUID", help="only this instance")
    heal.add_argument("--verbose", action="store_true", help="a line per instance")
    heal.set_defaults(func=_heal)
