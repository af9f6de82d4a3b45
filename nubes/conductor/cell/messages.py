"""The cell conductor's wire contract: plain dataclasses and typed errors.

Records travel as JSON objects (orjson encodes the dataclasses); the
receiving side rebuilds them with ``from_wire``, which ignores fields it
does not know so either side can be upgraded first.  The conductor answers
with the cell database's rows (:mod:`nubes.cells.records`); these are the
parts of them its callers (compute agents, which hold no database code)
read back.
"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, TypeVar

from nubes.common import rpc
from nubes.common.service_names import CONDUCTOR_TOPIC

T = TypeVar("T")

TOPIC = CONDUCTOR_TOPIC   # on the cell's bus


def _from_wire(cls: type[T], data: dict[str, Any]) -> T:
    kwargs = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in data:
            continue
        value = data[field.name]
        if field.type in ("datetime.datetime | None", "datetime.datetime") and isinstance(value, str):
            value = datetime.datetime.fromisoformat(value.rstrip("Z"))
        kwargs[field.name] = value
    return cls(**kwargs)


@dataclasses.dataclass(frozen=True)
class RegisteredService:
    """What ``service_register`` and ``service_report`` answer: the
    service's row (:class:`nubes.cells.records.ServiceRecord`) as its
    service sees it."""
    id: int
    uuid: str
    host: str
    binary: str
    topic: str | None
    report_count: int = 0
    disabled: bool = False
    disabled_reason: str | None = None
    forced_down: bool = False
    last_seen_up: datetime.datetime | None = None
    version: int = 0

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "RegisteredService":
        return _from_wire(cls, data)


@dataclasses.dataclass(frozen=True)
class NodeReport:
    """What a compute agent knows about one of its nodes.

    ``uuid`` is the node's uuid when the agent already knows it (None on
    first report: the conductor picks one).  A ratio left None keeps the
    stored value (a new row gets NULL).
    """
    host: str
    hypervisor_hostname: str
    service_id: int
    vcpus: int
    memory_mb: int
    local_gb: int
    hypervisor_type: str = "fake"
    hypervisor_version: int = 1000
    cpu_info: str | None = None
    uuid: str | None = None
    host_ip: str | None = None
    cpu_allocation_ratio: float | None = None
    ram_allocation_ratio: float | None = None
    disk_allocation_ratio: float | None = None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "NodeReport":
        return _from_wire(cls, data)


@dataclasses.dataclass(frozen=True)
class RecordedNode:
    """What ``compute_node_sync`` answers: the node's row
    (:class:`nubes.cells.records.ComputeNodeRecord`), the fields computes use."""
    id: int
    uuid: str
    host: str
    hypervisor_hostname: str
    service_id: int | None
    vcpus: int
    memory_mb: int
    local_gb: int
    hypervisor_type: str | None = None
    hypervisor_version: int | None = None
    cpu_info: str | None = None
    host_ip: str | None = None
    cpu_allocation_ratio: float | None = None
    ram_allocation_ratio: float | None = None
    disk_allocation_ratio: float | None = None
    mapped: int = 0

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "RecordedNode":
        return _from_wire(cls, data)

    def matches(self, report: NodeReport) -> bool:
        """True if writing ``report`` would change nothing."""
        for field in dataclasses.fields(NodeReport):
            wanted = getattr(report, field.name)
            if field.name.endswith("_allocation_ratio") or field.name == "uuid":
                if wanted is None:
                    continue
            if getattr(self, field.name) != wanted:
                return False
        return True


@rpc.allow
class ServiceNotFound(Exception):
    """The service record is gone (deleted by an operator)."""


@rpc.allow
class ServiceConflict(Exception):
    """The host already runs another service on the same topic."""


@rpc.allow
class NodeConflict(Exception):
    """Another live compute node already has the uuid a report asked for."""


# --- instances -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class InstanceRecord:
    """The fields of a cell's ``instances`` row that computes and conductors use."""
    uuid: str
    project_id: str | None = None
    user_id: str | None = None
    display_name: str | None = None
    vm_state: str | None = None
    task_state: str | None = None
    power_state: int | None = None
    host: str | None = None
    node: str | None = None
    vcpus: int | None = None
    memory_mb: int | None = None
    root_gb: int | None = None
    ephemeral_gb: int | None = None
    flavor: str | None = None
    image_ref: str | None = None
    availability_zone: str | None = None
    launched_at: datetime.datetime | None = None
    terminated_at: datetime.datetime | None = None
    locked: bool = False
    locked_by: str | None = None
    deleted: bool = False

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "InstanceRecord":
        return _from_wire(cls, data)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "InstanceRecord":
        values = {f.name: row.get(f.name) for f in dataclasses.fields(cls)}
        values["deleted"] = bool(row.get("deleted"))
        values["locked"] = bool(row.get("locked"))
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class GuestData:
    """What a guest is told about itself (a driver's config drive): the
    instance's identity, its key pair, user data and user metadata."""
    uuid: str
    name: str | None = None
    hostname: str | None = None
    launch_index: int | None = None
    availability_zone: str | None = None
    project_id: str | None = None
    key_name: str | None = None
    key_data: str | None = None
    user_data: str | None = None            # base64, as the API took it
    metadata: dict = dataclasses.field(default_factory=dict)
    config_drive: bool = False

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "GuestData":
        return _from_wire(cls, data)


@dataclasses.dataclass(frozen=True)
class MigrationRecord:
    """The fields of a cell's ``migrations`` row the moves use."""
    uuid: str
    instance_uuid: str
    status: str | None = None
    migration_type: str | None = None
    source_compute: str | None = None
    source_node: str | None = None
    dest_compute: str | None = None
    dest_node: str | None = None
    old_flavor: str | None = None      # JSON: the instance's flavor columns before
    new_flavor: str | None = None      # ... and after the move
    project_id: str | None = None
    user_id: str | None = None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "MigrationRecord":
        return _from_wire(cls, data)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "MigrationRecord":
        return cls(**{f.name: row.get(f.name) for f in dataclasses.fields(cls)})


@rpc.allow
class MigrationNotFound(Exception):
    """No such migration in this cell, or not in the expected status."""


@rpc.allow
class InstanceNotFound(Exception):
    """The instance is not in this cell (or is deleted)."""


@rpc.allow
class UnexpectedTaskState(Exception):
    """The instance is not in the task (or vm) state the update expected:
    someone else (a delete, say) got there first.  ``actual`` is its task
    state now."""

    def __init__(self, message: str, actual: str | None = None):
        super().__init__(message, actual)
        self.actual = actual

    def __str__(self) -> str:
        return str(self.args[0])


@rpc.allow
class InstanceInvalidState(Exception):
    """The instance cannot do that in its current state (the API answers
    409: "Cannot 'stop' instance ... while it is in vm_state stopped")."""


def fault(code: int, message: str, *, host: str | None = None,
          details: str | None = None) -> dict:
    """A fault to record with :meth:`rpcapi.CellConductorAPI.instance_update`."""
    return {"code": code, "message": message, "host": host, "details": details}


def event_done(instance_uuid: str, event: str, *, host: str | None = None) -> dict:
    """An instance action event to finish with success (and its action)
    with a write of a block device mapping
    (:meth:`rpcapi.CellConductorAPI.bdm_update`, ``bdm_destroy``)."""
    return {"instance_uuid": instance_uuid, "event": event, "host": host}
