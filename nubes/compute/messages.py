"""The compute agents' wire contract: topic, names, and the records their
RPC methods answer with."""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.common.service_names import COMPUTE_BINARY, COMPUTE_TOPIC

TOPIC = COMPUTE_TOPIC      # each host is a server of it: Target("compute", host)
BINARY = COMPUTE_BINARY    # what the service record says
# Bumped when an agent learns something callers must know about (the
# service record's ``version`` column; used for upgrade pinning later).
SERVICE_VERSION = 1


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
