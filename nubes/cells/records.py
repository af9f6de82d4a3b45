"""The plain records the cells package hands out: one row type per table
family, returned by the repositories in :mod:`nubes.cells.repo`.

Wire types (what a service sends over its bus) are not these: they live in
each service's ``messages`` module and are rebuilt from the JSON a row
encodes to, so a row can gain columns without breaking older peers.
"""
from __future__ import annotations

import dataclasses
import datetime

# cell0 is the database-only cell where instances that never got a host
# are kept (in ERROR).  Its mapping always has this uuid and no bus.
CELL0_UUID = "00000000-0000-0000-0000-000000000000"
CELL0_NAME = "cell0"
# What cell0 stores as its transport URL: it has no message bus.
NO_TRANSPORT_URL = "none:///"
# The aggregate metadata key that names an availability zone.
AZ_KEY = "availability_zone"


@dataclasses.dataclass(frozen=True)
class CellMapping:
    id: int
    uuid: str
    name: str | None
    transport_url: str
    database_connection: str
    disabled: bool = False

    @property
    def is_cell0(self) -> bool:
        return self.uuid == CELL0_UUID

    @property
    def label(self) -> str:
        """How messages name the cell: ``'cell1' (uuid)``."""
        return f"'{self.name or ''}' ({self.uuid})"


@dataclasses.dataclass(frozen=True)
class HostMapping:
    host: str
    cell_id: int
    cell_uuid: str
    cell_name: str | None


@dataclasses.dataclass(frozen=True)
class InstanceMapping:
    instance_uuid: str
    cell_id: int | None
    project_id: str
    user_id: str | None
    queued_for_delete: bool


@dataclasses.dataclass(frozen=True)
class ServiceRecord:
    """A live row of a cell's ``services`` table."""
    id: int
    uuid: str | None
    host: str | None
    binary: str | None
    topic: str | None
    disabled: bool
    disabled_reason: str | None
    forced_down: bool
    last_seen_up: datetime.datetime | None
    report_count: int
    version: int
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class ComputeNodeRecord:
    """A live row of a cell's ``compute_nodes`` table (its uuid is the
    node's resource provider uuid in placement)."""
    id: int
    uuid: str
    service_id: int | None
    host: str | None
    hypervisor_hostname: str | None
    hypervisor_type: str | None
    hypervisor_version: int | None
    host_ip: str | None
    vcpus: int
    memory_mb: int
    local_gb: int
    vcpus_used: int
    memory_mb_used: int
    local_gb_used: int
    free_ram_mb: int | None
    free_disk_gb: int | None
    disk_available_least: int | None
    current_workload: int | None
    running_vms: int | None
    cpu_info: str | None
    cpu_allocation_ratio: float | None
    ram_allocation_ratio: float | None
    disk_allocation_ratio: float | None
    mapped: int


@dataclasses.dataclass(frozen=True)
class AggregateRecord:
    id: int
    uuid: str
    name: str
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    hosts: tuple[str, ...]
    metadata: dict[str, str]

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(AZ_KEY)


@dataclasses.dataclass(frozen=True)
class KeyPairRecord:
    id: int
    name: str
    user_id: str
    fingerprint: str | None
    public_key: str | None
    type: str
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class ServerGroupRecord:
    id: int
    uuid: str
    name: str | None
    user_id: str | None
    project_id: str | None
    policy: str | None
    rules: dict
    members: tuple[str, ...]
    created_at: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class FlavorRecord:
    id: int
    flavorid: str
    name: str
    memory_mb: int
    vcpus: int
    root_gb: int
    ephemeral_gb: int
    swap: int
    rxtx_factor: float
    vcpu_weight: int | None
    disabled: bool
    is_public: bool
    description: str | None
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    extra_specs: dict[str, str]
