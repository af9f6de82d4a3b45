"""The plain records the cells package hands out."""
from __future__ import annotations

import dataclasses

# cell0 is the database-only cell where instances that never got a host
# are kept (in ERROR).  Its mapping always has this uuid and no bus.
CELL0_UUID = "00000000-0000-0000-0000-000000000000"
CELL0_NAME = "cell0"
# What cell0 stores as its transport URL: it has no message bus.
NO_TRANSPORT_URL = "none:///"


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
