"""The scheduler's wire contract: plain dataclasses and typed errors.

``RequestSpec`` is what callers (the super-conductor) ask for; a
``Selection`` is one destination the scheduler answers with, claimed (the
first of each instance's list) or an unclaimed alternate.  Both travel as
JSON objects: ``to_dict()`` on the way out, ``from_dict()`` on the way in,
which ignores keys it does not know so either side can be upgraded first.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.common import rpc
from nubes.common.service_names import SCHEDULER_BINARY, SCHEDULER_TOPIC

TOPIC = SCHEDULER_TOPIC
BINARY = SCHEDULER_BINARY

# Placement consumer type of an instance's allocations (microversion 1.38).
CONSUMER_TYPE_INSTANCE = "INSTANCE"

# Server group policies (the compute API's names).
AFFINITY = "affinity"
ANTI_AFFINITY = "anti-affinity"
SOFT_AFFINITY = "soft-affinity"
SOFT_ANTI_AFFINITY = "soft-anti-affinity"


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclasses.dataclass
class Flavor:
    vcpus: int
    memory_mb: int
    root_gb: int = 0
    ephemeral_gb: int = 0
    swap: int = 0                      # MB, as flavors define it
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)
    name: str | None = None
    flavorid: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Flavor":
        kwargs = _known(cls, data)
        kwargs["extra_specs"] = dict(kwargs.get("extra_specs") or {})
        return cls(**kwargs)


@dataclasses.dataclass
class ServerGroup:
    """The instance's server group as the caller knows it: its policy and
    the hosts its members already run on (duplicates allowed: one entry
    per member)."""
    uuid: str
    policy: str
    hosts: list[str] = dataclasses.field(default_factory=list)
    members: list[str] = dataclasses.field(default_factory=list)
    # {"max_server_per_host": N} for anti-affinity (compute API 2.64+).
    rules: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ServerGroup":
        kwargs = _known(cls, data)
        kwargs["hosts"] = list(kwargs.get("hosts") or [])
        kwargs["members"] = list(kwargs.get("members") or [])
        kwargs["rules"] = dict(kwargs.get("rules") or {})
        return cls(**kwargs)


@dataclasses.dataclass
class Destination:
    """Where the caller wants the instance (a forced host, a cell, or
    aggregates: each entry of ``aggregates`` is a comma-separated list of
    aggregate uuids of which the host must be in one)."""
    host: str | None = None
    node: str | None = None
    cell_uuid: str | None = None
    aggregates: list[str] = dataclasses.field(default_factory=list)
    forbidden_aggregates: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Destination":
        kwargs = _known(cls, data)
        kwargs["aggregates"] = list(kwargs.get("aggregates") or [])
        kwargs["forbidden_aggregates"] = list(kwargs.get("forbidden_aggregates") or [])
        return cls(**kwargs)


@dataclasses.dataclass
class RequestSpec:
    flavor: Flavor
    project_id: str
    user_id: str
    image_properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    availability_zone: str | None = None
    scheduler_hints: dict[str, Any] = dataclasses.field(default_factory=dict)
    server_group: ServerGroup | None = None
    num_instances: int = 1
    ignore_hosts: list[str] = dataclasses.field(default_factory=list)
    requested_destination: Destination | None = None
    # Boot from volume: the root disk is not on the host (no root_gb).
    is_bfv: bool = False
    instance_uuid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RequestSpec":
        kwargs = _known(cls, data)
        kwargs["flavor"] = Flavor.from_dict(data["flavor"])
        if kwargs.get("server_group") is not None:
            kwargs["server_group"] = ServerGroup.from_dict(kwargs["server_group"])
        if kwargs.get("requested_destination") is not None:
            kwargs["requested_destination"] = Destination.from_dict(
                kwargs["requested_destination"])
        kwargs["image_properties"] = dict(kwargs.get("image_properties") or {})
        kwargs["scheduler_hints"] = dict(kwargs.get("scheduler_hints") or {})
        kwargs["ignore_hosts"] = list(kwargs.get("ignore_hosts") or [])
        return cls(**kwargs)


@dataclasses.dataclass
class Selection:
    """One destination for one instance.

    ``allocation_request`` is the JSON text of the placement allocation
    request (``{"allocations": {rp: {"resources": {...}}}, "mappings":
    {...}}``): for the first selection of an instance it is what was
    claimed for ``consumer_uuid``; for an alternate it is what the
    conductor should claim if it reschedules there.
    """
    service_host: str
    nodename: str
    cell_uuid: str
    compute_node_uuid: str
    allocation_request: str
    allocation_request_version: str
    consumer_uuid: str | None = None
    claimed: bool = False
    availability_zone: str | None = None
    limits: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.service_host

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Selection":
        kwargs = _known(cls, data)
        kwargs["limits"] = dict(kwargs.get("limits") or {})
        return cls(**kwargs)


# --- errors -----------------------------------------------------------------

@rpc.allow
class NoValidHost(Exception):
    """No host can take the request (for a multi-create: not every
    instance); nothing stays claimed."""

    def __init__(self, reason: str = "There are not enough hosts available."):
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"No valid host was found. {self.reason}"


@rpc.allow
class AllocationConflict(Exception):
    """The instance already has allocations in placement (its consumer
    generation is not null): another scheduler claimed for it, or a
    request was repeated.  Retrying elsewhere would not help."""


@rpc.allow
class PlacementUnreachable(NoValidHost):
    """Placement did not answer (a kind of :class:`NoValidHost`); nothing
    this request claimed stays claimed."""
