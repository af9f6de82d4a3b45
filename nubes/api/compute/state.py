"""What every compute handler and service function may reach."""
from __future__ import annotations

import dataclasses

from nubes.api.compute.cell_buses import CellBuses
from nubes.cells.targeting import CellRegistry
from nubes.common import policy
from nubes.common.db.transaction import Database
from nubes.placement.client import PlacementClient


@dataclasses.dataclass
class ComputeState:
    conf: object
    api_db: Database
    cells: CellRegistry
    policy: policy.Enforcer
    # None when [placement_client] endpoint is unset: placement mirroring
    # and usage figures are then skipped with a warning.
    placement: PlacementClient | None
    # The cells' buses (casts to compute hosts); None: the API casts nothing.
    buses: CellBuses | None = None
