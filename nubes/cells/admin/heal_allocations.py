"""``nubes-manage placement heal_allocations``: give placement allocations
back to servers that lost them.

A server on a host holds its flavor on its node's resource provider (the
compute node's uuid).  When placement lost that allocation — a claim
removed by hand, a database restored from an older backup, a failure
between two steps of a move — the host's capacity is counted short and
the scheduler may overfill it.  The heal walks the instances of every cell
(or one, or one instance) that live on a host and have **no allocation at
all**, and writes one: VCPU, MEMORY_MB and DISK_GB (root + ephemeral) of
the instance's flavor, on its node's provider, as a consumer of the
instance's project and user, guarded by the consumer generation (none), so
an allocation that appears meanwhile is never overwritten.

Instances still building, shelved-offloaded (no host), soft-deleted ones
and those in a move (a migration holds their source) are left alone: their
allocations are the move's business.  ``dry_run`` reports what would be
written and writes nothing.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

import sqlalchemy as sa

from nubes.cells.admin import SILENT, Report
from nubes.cells.cell_db.models import compute_nodes, instances
from nubes.cells.records import CellMapping
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.cells.repo import migrations as migration_repo
from nubes.cells.targeting import CellDatabases
from nubes.common.db.transaction import Database
from nubes.placement.client import PlacementClient

BATCH = 200
_SKIPPED_STATES = ("building", "shelved_offloaded", "soft-delete", "deleted")


@dataclasses.dataclass
class HealResult:
    checked: int = 0
    healed: list[str] = dataclasses.field(default_factory=list)
    would_heal: list[str] = dataclasses.field(default_factory=list)
    no_node: list[str] = dataclasses.field(default_factory=list)     # no provider found
    failed: dict[str, str] = dataclasses.field(default_factory=dict)
    more: bool = False          # max_count reached with instances left


@dataclasses.dataclass(frozen=True)
class _Candidate:
    uuid: str
    project_id: str
    user_id: str
    node_uuid: str | None
    resources: dict[str, int]


def heal(api_db: Database, databases: CellDatabases, placement: PlacementClient, *,
         dry_run: bool = False, max_count: int | None = None, cell: str | None = None,
         instance: str | None = None, report: Report = SILENT) -> HealResult:
    result = HealResult()
    budget = max_count
    for mapping in _cells(api_db, cell):
        if mapping.is_cell0:
            continue
        db = databases.get(mapping.database_connection)
        for found in _candidates(db, instance):
            result.checked += 1
            if placement.get_allocations(found.uuid).allocations:
                continue
            if budget is not None and budget <= 0:
                result.more = True
                return result
            _heal_one(placement, found, result, dry_run, report)
            if budget is not None:
                budget -= 1
    return result


def _heal_one(placement: PlacementClient, found: _Candidate, result: HealResult,
              dry_run: bool, report: Report) -> None:
    if found.node_uuid is None:
        report.info(f"Instance {found.uuid}: no compute node record for its host and "
                    "node; cannot heal it.")
        result.no_node.append(found.uuid)
        return
    resources = {k: v for k, v in found.resources.items() if v > 0}
    if dry_run:
        report.detail(f"Instance {found.uuid}: would allocate {resources} on "
                      f"{found.node_uuid}")
        result.would_heal.append(found.uuid)
        return
    claimed = placement.claim(found.uuid, {found.node_uuid: {"resources": resources}},
                              found.project_id, found.user_id, consumer_generation=None)
    if claimed.claimed:
        report.detail(f"Instance {found.uuid}: allocated {resources} on {found.node_uuid}")
        result.healed.append(found.uuid)
    else:
        report.info(f"Instance {found.uuid}: could not allocate: {claimed.detail}")
        result.failed[found.uuid] = claimed.detail or claimed.outcome


def _cells(api_db: Database, cell: str | None) -> Iterable[CellMapping]:
    mappings = api_db.read(cell_repo.list_all)
    if cell is not None:
        mappings = [m for m in mappings if m.uuid == cell]
    return mappings


def _candidates(db: Database, instance: str | None) -> Iterable[_Candidate]:
    """Instances on a host, not in a move, batch by batch."""
    last = 0
    while True:
        rows, moving = db.read(lambda conn: _batch(conn, last, instance))
        for row in rows:
            if row.uuid not in moving:
                yield _Candidate(row.uuid, row.project_id or "", row.user_id or "",
                                 row.node_uuid, {"VCPU": row.vcpus or 0,
                                                 "MEMORY_MB": row.memory_mb or 0,
                                                 "DISK_GB": (row.root_gb or 0) +
                                                 (row.ephemeral_gb or 0)})
        if len(rows) < BATCH:
            return
        last = rows[-1].id


def _batch(conn: sa.Connection, after: int, instance: str | None):
    i, cn = instances, compute_nodes
    query = (sa.select(i.c.id, i.c.uuid, i.c.project_id, i.c.user_id, i.c.vcpus,
                       i.c.memory_mb, i.c.root_gb, i.c.ephemeral_gb,
                       cn.c.uuid.label("node_uuid"))
             .select_from(i.outerjoin(cn, sa.and_(cn.c.host == i.c.host,
                                                  cn.c.hypervisor_hostname == i.c.node,
                                                  cn.c.deleted == 0)))
             .where(i.c.deleted == 0, i.c.host.is_not(None), i.c.id > after,
                    sa.or_(i.c.vm_state.is_(None), i.c.vm_state.not_in(_SKIPPED_STATES)))
             .order_by(i.c.id).limit(BATCH))
    if instance is not None:
        query = query.where(i.c.uuid == instance)
    rows = conn.execute(query).all()
    return rows, migration_repo.moving_among(conn, [r.uuid for r in rows])
