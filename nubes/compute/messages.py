"""The compute agents' wire contract: topic, names, and the records their
RPC methods answer with."""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.common import rpc
from nubes.common.service_names import COMPUTE_BINARY, COMPUTE_TOPIC

TOPIC = COMPUTE_TOPIC      # each host is a server of it: Target("compute", host)
BINARY = COMPUTE_BINARY    # what the service record says
# Bumped when an agent learns something callers must know about (the
# service record's ``version`` column; used for upgrade pinning later).
SERVICE_VERSION = 1

# The instance action events of a volume attach and detach.  The compute
# API starts them, with the host's name, in the transaction that starts
# the action, so that the host only finishes them.
ATTACH_VOLUME_EVENT = "compute_attach_volume"
DETACH_VOLUME_EVENT = "compute_detach_volume"
# What a host needs of a volume mapping to connect or disconnect it: the
# API sends these columns with the cast instead of the host reading them.
VOLUME_MAPPING_FIELDS = ("uuid", "volume_id", "attachment_id", "device_name")


def volume_mapping(bdm: dict[str, Any]) -> dict[str, Any]:
    """A mapping row as an attach or detach cast carries it."""
    return {key: bdm.get(key) for key in VOLUME_MAPPING_FIELDS}


@dataclasses.dataclass(frozen=True)
class NodeStatus:
    nodename: str
    uuid: str


@dataclasses.dataclass(frozen=True)
class HostStatus:
    """What ``ping`` answers: who the host is and what it manages."""
    host: str
    service_id: int | None
    disabled: bool
    nodes: list[NodeStatus]

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "HostStatus":
        return cls(host=data["host"], service_id=data.get("service_id"),
                   disabled=bool(data.get("disabled")),
                   nodes=[NodeStatus(**n) for n in data.get("nodes") or []])


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """A guest's diagnostics as ``get_diagnostics`` answers them: the
    standard fields (the compute API's 2.48 format) and ``legacy``, the
    driver's own flat form shown before 2.48."""
    state: str                      # pending, running, paused, shutdown, crashed, suspended
    driver: str
    hypervisor: str | None = None
    hypervisor_os: str | None = None
    uptime: int | None = None
    config_drive: bool = False
    num_cpus: int = 0
    num_nics: int = 0
    num_disks: int = 0
    cpu_details: list[dict] = dataclasses.field(default_factory=list)
    nic_details: list[dict] = dataclasses.field(default_factory=list)
    disk_details: list[dict] = dataclasses.field(default_factory=list)
    memory_details: dict = dataclasses.field(default_factory=dict)
    legacy: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "Diagnostics":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@rpc.allow
class NotSupported(Exception):
    """The host's driver cannot do this (the API answers 501)."""


@rpc.allow
class PasswordSetFailed(Exception):
    """The guest did not take the new password (the API answers 409)."""


@rpc.allow
class GuestNotReady(Exception):
    """The host has no running guest for the instance (the API answers 409)."""
