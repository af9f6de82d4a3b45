"""Finding a server's cell and instance from the API level (shared by the
delete and power entry points)."""
from __future__ import annotations

import dataclasses
import datetime

from nubes.cells.records import CellMapping, InstanceMapping
from nubes.cells.repo import instance_mappings
from nubes.cells.repo import instance_writes as cell_repo
from nubes.cells.repo import service_records
from nubes.common.timeutils import utcnow
from nubes.conductor.messages import COMPUTE_BINARY, InstanceNotFound, InstanceRecord
from nubes.conductor.tasks.context import ApiLevel


@dataclasses.dataclass(frozen=True)
class Located:
    mapping: InstanceMapping
    cell: CellMapping
    instance: InstanceRecord | None   # None: not in the cell (or archived)


def mapping_of(api: ApiLevel, instance_uuid: str) -> InstanceMapping:
    mapping = api.api_db.read(lambda conn: instance_mappings.get(conn, instance_uuid))
    if mapping is None:
        raise InstanceNotFound(f"Instance {instance_uuid} could not be found.")
    return mapping


def locate(api: ApiLevel, mapping: InstanceMapping) -> Located:
    cell = api.cell_by_id(mapping.cell_id)
    row = api.cell_db(cell).read(lambda conn: cell_repo.get(conn, mapping.instance_uuid))
    return Located(mapping, cell, None if row is None else InstanceRecord.from_row(row))


def compute_is_up(api: ApiLevel, cell: CellMapping, host: str) -> bool:
    """The host's compute service reported within ``[DEFAULT] service_down_time``
    and is not forced down."""
    service = api.cell_db(cell).read(
        lambda conn: service_records.find_live(conn, host, COMPUTE_BINARY))
    if service is None or service.forced_down:
        return False
    last = service.last_seen_up or service.created_at
    if last is None:
        return False
    age = abs((utcnow() - last).total_seconds()) if isinstance(last, datetime.datetime) \
        else float("inf")
    return age <= api.conf.service_down_time
