"""``nubes-manage placement audit``: find (and remove) orphaned allocations.

An allocation in placement is *orphaned* when compute no longer knows its
consumer: a delete while placement was unreachable, a crash between the
claim and the instance's creation, an instance archived or deleted whose
allocation stayed behind.  The audit reads every resource provider's
allocations (or one provider's) and judges each consumer once:

* an instance mapping points at a cell whose database holds the instance,
  not deleted -> in use;
* a build request exists (the server is still being scheduled or created)
  -> in flight, in use;
* no instance mapping, but a cell's ``migrations`` table holds a move with
  that uuid that is not over (pre-migrating ... finished while it waits in
  VERIFY_RESIZE, reverting, confirming; an evacuation ``done`` whose source
  has not cleaned up) -> in flight: a move's source allocation is held by
  its migration's uuid.  Every cell's migrations are read, in pages of
  :data:`MIGRATION_PAGE` uuids; a cell that cannot be read leaves such
  consumers *unverified* (the move may be that cell's);
* anything else (no mapping and no move under way, a mapping without a
  cell and no build request, the instance deleted or archived in its cell,
  a mapping to a cell that is not there, a migration that is over) ->
  orphaned;
* the consumer's cell database cannot be read -> *unverified*: never
  reported as orphaned, never deleted, and the run ends in error.

The verdict is about the consumer, so every allocation of an orphaned
consumer on the audited providers is orphaned.  ``delete`` removes exactly
those (the provider's part, with a consumer-generation guarded write),
leaving the consumer's allocations on providers outside the audit alone
(``--resource_provider`` limits the audit *and* what is deleted).  Each
consumer is judged again just before its allocations go, so a server that
appeared meanwhile is not touched.

Every placement provider is audited: nubes' placement holds compute's
providers (compute nodes and the providers nested under them) only.
"""
from __future__ import annotations

import dataclasses
import enum
import uuid as uuidlib
from typing import Callable, Iterable

import sqlalchemy as sa

from nubes.cells.admin import SILENT, Report
from nubes.cells.exceptions import CellsError
from nubes.cells.records import CellMapping
from nubes.cells.repo import build_requests as br_repo
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.cells.repo import instance_mappings as im_repo
from nubes.cells.repo import instances as instance_repo
from nubes.cells.repo import migrations as migration_repo
from nubes.cells.targeting import CellDatabases
from nubes.common.db.transaction import Database
from nubes.placement.client import PlacementClient, PlacementConflict, PlacementNotFound

# Microversions the audit speaks (see nubes.placement.client for the idea).
_LIST_PROVIDERS = "1.14"
_PROVIDER_ALLOCATIONS = "1.28"   # with consumer generations
_CONSUMER = "1.38"               # project, user, generation and consumer type
_REWRITE = "1.28"                # generation-guarded, empty allocations allowed
_REWRITE_TYPED = "1.38"          # the same, keeping the consumer's type
_UNTYPED = "unknown"             # how placement shows a consumer with no type
# How many consumer uuids one read of a cell's migrations asks about.
MIGRATION_PAGE = 500


class InvalidAuditInput(CellsError):
    """A malformed ``--resource_provider`` uuid, or no such provider."""


class Verdict(enum.Enum):
    IN_USE = "in use"            # a live instance in its cell
    IN_FLIGHT = "in flight"      # a build request: still being scheduled/created
    ORPHANED = "orphaned"
    UNVERIFIED = "unverified"    # its cell database could not be read


@dataclasses.dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    why: str                     # one phrase for the operator


@dataclasses.dataclass(frozen=True)
class Provider:
    uuid: str
    name: str


@dataclasses.dataclass(frozen=True)
class Orphan:
    """One orphaned allocation: a consumer's resources on one provider."""
    consumer: str
    provider: Provider
    resources: dict[str, int]
    why: str

    def describe(self) -> str:
        amounts = ", ".join(f"{rc}={n}" for rc, n in sorted(self.resources.items()))
        return (f"consumer {self.consumer} on resource provider {self.provider.uuid} "
                f"({self.provider.name}): {amounts} ({self.why})")


@dataclasses.dataclass
class AuditResult:
    providers_total: int = 0
    providers_checked: int = 0
    consumers_checked: int = 0
    orphans: list[Orphan] = dataclasses.field(default_factory=list)
    deleted: list[Orphan] = dataclasses.field(default_factory=list)
    # --delete: judged again and found in use after all / placement refused
    no_longer_orphaned: list[Orphan] = dataclasses.field(default_factory=list)
    failed: list[tuple[Orphan, str]] = dataclasses.field(default_factory=list)
    unverified: dict[str, str] = dataclasses.field(default_factory=dict)  # consumer -> why

    @property
    def orphaned_consumers(self) -> set[str]:
        return {o.consumer for o in self.orphans}


Progress = Callable[[int, int], None]   # (providers checked, providers in total)


def audit(api_db: Database, databases: CellDatabases, placement: PlacementClient, *,
          provider_uuid: str | None = None, delete: bool = False,
          report: Report = SILENT, progress: Progress | None = None) -> AuditResult:
    """Audit every provider's allocations (or ``provider_uuid``'s); with
    ``delete``, remove the orphaned ones.  Raises :class:`InvalidAuditInput`
    for a bad or unknown ``provider_uuid``; placement and API database
    failures propagate (the run cannot go on without them)."""
    providers = _providers(placement, provider_uuid)
    result = AuditResult(providers_total=len(providers))
    judge = ConsumerJudge(api_db, databases)
    for index, provider in enumerate(providers, start=1):
        allocations = _provider_allocations(placement, provider)
        if allocations is None:
            report.detail(f"Resource provider {provider.uuid} ({provider.name}) is gone; "
                          "skipped")
        else:
            report.detail(f"Checking {len(allocations)} consumer(s) of resource provider "
                          f"{provider.uuid} ({provider.name})")
            verdicts = judge.judge_many(allocations)
            for consumer, resources in allocations.items():
                found = verdicts[consumer]
                report.detail(f"  consumer {consumer}: {found.verdict.value} ({found.why})")
                if found.verdict is Verdict.ORPHANED:
                    orphan = Orphan(consumer, provider, resources, found.why)
                    result.orphans.append(orphan)
                    report.info(f"Orphaned allocation: {orphan.describe()}")
                elif found.verdict is Verdict.UNVERIFIED:
                    result.unverified[consumer] = found.why
        result.providers_checked = index
        if progress is not None:
            progress(index, len(providers))
    result.consumers_checked = judge.judged
    if delete and result.orphans:
        _delete(placement, judge, result, report)
    return result


# --- providers and their allocations ------------------------------------------------

def _providers(placement: PlacementClient, provider_uuid: str | None) -> list[Provider]:
    if provider_uuid is None:
        resp = placement.request("GET", "/resource_providers", version=_LIST_PROVIDERS)
        found = [Provider(p["uuid"], p["name"]) for p in resp.json()["resource_providers"]]
        return sorted(found, key=lambda p: (p.name, p.uuid))
    try:
        canonical = str(uuidlib.UUID(provider_uuid))
    except ValueError:
        raise InvalidAuditInput(f"{provider_uuid!r} is not a resource provider uuid") from None
    found = placement.get_provider(canonical)
    if found is None:
        raise InvalidAuditInput(
            f"resource provider {canonical} does not exist in placement (list them with "
            "'openstack resource provider list')")
    return [Provider(found.uuid, found.name)]


def _provider_allocations(placement: PlacementClient,
                          provider: Provider) -> dict[str, dict[str, int]] | None:
    """consumer -> {resource class: amount}; None if the provider vanished."""
    try:
        resp = placement.request("GET", f"/resource_providers/{provider.uuid}/allocations",
                                 version=_PROVIDER_ALLOCATIONS)
    except PlacementNotFound:
        return None
    return {consumer: dict(entry["resources"])
            for consumer, entry in resp.json()["allocations"].items()}


# --- what compute knows of a consumer -----------------------------------------------

class ConsumerJudge:
    """Judges consumers against the API database and the cells, remembering
    each verdict (a consumer with allocations on many providers is looked up
    once)."""

    def __init__(self, api_db: Database, databases: CellDatabases):
        self.api_db = api_db
        self.databases = databases
        self._cells: dict[int, CellMapping] | None = None
        self._verdicts: dict[str, Judgement] = {}

    @property
    def judged(self) -> int:
        return len(self._verdicts)

    def judge_many(self, consumers: Iterable[str]) -> dict[str, Judgement]:
        wanted = sorted(set(consumers) - set(self._verdicts))
        if wanted:
            self._verdicts.update(self._judge(wanted))
        return {c: self._verdicts[c] for c in consumers}

    def judge_again(self, consumer: str) -> Judgement:
        """A fresh verdict (the cache is bypassed and updated)."""
        self._cells = None  # a cell may have been added meanwhile
        self._verdicts[consumer] = self._judge([consumer])[consumer]
        return self._verdicts[consumer]

    def _judge(self, uuids: list[str]) -> dict[str, Judgement]:
        verdicts: dict[str, Judgement] = {}
        building, cell_of = self._read_api(uuids)
        # The super-conductor points the mapping at a cell and deletes the
        # build request in one transaction, so "mapped to no cell and no
        # build request" is not a half-done build; read once more anyway,
        # as the API does before answering 404.
        unsure = [u for u in uuids if u not in building and cell_of.get(u, 0) is None]
        if unsure:
            again_building, again_cells = self._read_api(unsure)
            building |= again_building
            cell_of.update(again_cells)
        by_cell: dict[int, list[str]] = {}
        unmapped = [u for u in uuids if u not in building and u not in cell_of]
        verdicts.update(self._judge_migrations(unmapped))
        for uuid in uuids:
            if uuid in building:
                verdicts[uuid] = Judgement(Verdict.IN_FLIGHT,
                                           "build request: the server is being scheduled")
            elif uuid not in cell_of:
                pass                # judged by its migration, above
            elif cell_of[uuid] is None:
                verdicts[uuid] = Judgement(Verdict.ORPHANED,
                                           "instance mapped to no cell and no build request")
            else:
                by_cell.setdefault(cell_of[uuid], []).append(uuid)
        cells = self._cell_mappings(by_cell)
        for cell_id, members in by_cell.items():
            cell = cells.get(cell_id)
            if cell is None:
                for uuid in members:
                    verdicts[uuid] = Judgement(Verdict.ORPHANED,
                                               f"mapped to cell id {cell_id}, which is gone")
                continue
            verdicts.update(self._judge_in_cell(cell, members))
        return verdicts

    def _read_api(self, uuids: list[str]) -> tuple[set[str], dict[str, int | None]]:
        def work(conn):
            building = {r["uuid"] for r in br_repo.list_records(conn, uuids=uuids)}
            return building, im_repo.cells_of(conn, uuids)
        return self.api_db.read(work)

    def _judge_migrations(self, uuids: list[str]) -> dict[str, Judgement]:
        """Consumers with no instance mapping: a migration's uuid (in
        flight, or over), unverified when a cell could not be read, else
        unknown."""
        found: dict[str, tuple[CellMapping, dict]] = {}
        unread: list[str] = []
        if uuids:
            for cell in self._cell_mappings(()).values():
                try:
                    in_cell = self._migrations_in(cell, uuids)
                except sa.exc.DBAPIError as err:
                    unread.append(f"cell {cell.label}: {_first_line(err.orig)}")
                    continue
                for uuid, record in in_cell.items():
                    # A cross-cell move has a record in each cell: one
                    # still under way wins over a copy that is over.
                    if uuid not in found or migration_repo.holds_allocations(record):
                        found[uuid] = (cell, record)
        return {uuid: _migration_verdict(found.get(uuid), unread) for uuid in uuids}

    def _migrations_in(self, cell: CellMapping, uuids: list[str]) -> dict[str, dict]:
        """The migrations among ``uuids`` in ``cell``, read a page at a time."""
        db = self.databases.get(cell.database_connection)
        found: dict[str, dict] = {}
        for start in range(0, len(uuids), MIGRATION_PAGE):
            page = uuids[start:start + MIGRATION_PAGE]
            found.update(db.read(lambda conn, page=page: migration_repo.statuses_of(conn, page)))
        return found

    def _cell_mappings(self, needed: Iterable[int]) -> dict[int, CellMapping]:
        if self._cells is None or not set(needed) <= set(self._cells):
            self._cells = {c.id: c for c in self.api_db.read(cell_repo.list_all)}
        return self._cells

    def _judge_in_cell(self, cell: CellMapping, uuids: list[str]) -> dict[str, Judgement]:
        try:
            rows = self.databases.get(cell.database_connection).read(
                lambda conn: {u: instance_repo.get_brief(conn, u) for u in uuids})
        except sa.exc.DBAPIError as err:
            why = f"cannot read the database of cell {cell.label}: {_first_line(err.orig)}"
            return {u: Judgement(Verdict.UNVERIFIED, why) for u in uuids}
        verdicts = {}
        for uuid, row in rows.items():
            if row is None:
                verdicts[uuid] = Judgement(
                    Verdict.ORPHANED, f"instance archived: no longer in cell {cell.label}")
            elif row.deleted:
                verdicts[uuid] = Judgement(Verdict.ORPHANED,
                                           f"instance deleted in cell {cell.label}")
            else:
                verdicts[uuid] = Judgement(Verdict.IN_USE, f"instance in cell {cell.label}")
        return verdicts


def _migration_verdict(found: tuple[CellMapping, dict] | None,
                       unread: list[str]) -> Judgement:
    if found is not None:
        cell, migration = found
        what = f"{migration['migration_type']} migration {migration['status']} " \
               f"in cell {cell.label}"
        if migration_repo.holds_allocations(migration):
            return Judgement(Verdict.IN_FLIGHT, f"{what}: a move under way")
        return Judgement(Verdict.ORPHANED, f"{what}: the move is over")
    if unread:
        return Judgement(Verdict.UNVERIFIED, "no instance mapping, and the migrations of "
                                             f"{'; '.join(unread)} cannot be read")
    return Judgement(Verdict.ORPHANED,
                     "no instance mapping and no build request, and no move under way")


def _first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- removing orphaned allocations ---------------------------------------------------

def _delete(placement: PlacementClient, judge: ConsumerJudge, result: AuditResult,
            report: Report) -> None:
    by_consumer: dict[str, list[Orphan]] = {}
    for orphan in result.orphans:
        by_consumer.setdefault(orphan.consumer, []).append(orphan)
    for consumer, orphans in by_consumer.items():
        now = judge.judge_again(consumer)
        if now.verdict is not Verdict.ORPHANED:
            result.no_longer_orphaned.extend(orphans)
            report.info(f"Consumer {consumer} is no longer orphaned ({now.verdict.value}: "
                        f"{now.why}); its allocations were left alone")
            continue
        try:
            _remove_from(placement, consumer, {o.provider.uuid for o in orphans})
        except Exception as err:  # noqa: BLE001 - reported; the others still go
            result.failed.extend((o, str(err)) for o in orphans)
            report.info(f"Could not delete the allocations of consumer {consumer}: {err}")
            continue
        result.deleted.extend(orphans)
        for orphan in orphans:
            report.info(f"Deleted orphaned allocation: {orphan.describe()}")


def _remove_from(placement: PlacementClient, consumer: str, providers: set[str]) -> None:
    """Remove ``consumer``'s allocations on ``providers``, keeping its others,
    guarded by its generation (re-read and retried when it changes)."""
    attempt = 0
    while True:
        resp = placement.request("GET", f"/allocations/{consumer}", version=_CONSUMER)
        data = resp.json()
        current = data.get("allocations") or {}
        if not set(current) & providers:
            return  # already gone
        keep = {rp: {"resources": entry["resources"]} for rp, entry in current.items()
                if rp not in providers}
        body = {"allocations": keep, "project_id": data["project_id"],
                "user_id": data["user_id"],
                "consumer_generation": data.get("consumer_generation")}
        version = _REWRITE
        if keep and data.get("consumer_type") not in (None, _UNTYPED):
            body["consumer_type"] = data["consumer_type"]
            version = _REWRITE_TYPED
        try:
            placement.request("PUT", f"/allocations/{consumer}", version=version, json=body,
                              ok=(204,))
            return
        except PlacementConflict as err:
            if not err.concurrent_update or attempt >= placement.conflict_retries:
                raise
            attempt += 1
