"""What the super-conductor's work reaches: the API database, the cells
(their mappings, databases and buses) and placement."""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.cells.buses import CellBuses
from nubes.cells.targeting import CellDatabases, CellRegistry
from nubes.common.db.transaction import Database
from nubes.placement.client import PlacementClient


@dataclasses.dataclass
class ApiLevel:
    conf: Any
    api_db: Database
    cells: CellRegistry
    placement: PlacementClient
    buses: CellBuses

    @classmethod
    def build(cls, conf: Any, api_db: Database, *, databases: CellDatabases | None = None,
              placement: PlacementClient | None = None,
              buses: CellBuses | None = None) -> "ApiLevel":
        return cls(conf=conf, api_db=api_db, cells=CellRegistry(api_db, databases),
                   placement=placement or PlacementClient.from_conf(conf),
                   buses=buses or CellBuses(conf))
