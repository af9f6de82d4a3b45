"""What every compute handler and service function may reach."""
from __future__ import annotations

import dataclasses

from nubes.cells.buses import CellBuses
from nubes.cells.targeting import CellRegistry
from nubes.common import policy, rpc
from nubes.common.db.transaction import Database
from nubes.image.client import ImageClient
from nubes.placement.client import PlacementClient
from nubes.volume.client import VolumeClient


@dataclasses.dataclass
class ComputeState:
    conf: object
    api_db: Database
    cells: CellRegistry
    policy: policy.Enforcer
    # None when [placement_client] endpoint is unset: placement mirroring
    # and usage figures are then skipped with a warning.
    placement: PlacementClient | None
    # The cells' buses (casts to compute hosts: deletes, power actions,
    # service disables); None: the API casts nothing.
    buses: CellBuses | None = None
    # The API-level bus ([DEFAULT] transport_url): casts to the
    # super-conductor.  None when unset: servers cannot be created.
    api_transport: rpc.Transport | None = None
    # The image API (imageRef lookups); None when no endpoint is set.
    images: ImageClient | None = None
    # The volume API (attachments, boot from volume); None when the catalog
    # has no volume endpoint ([identity] volume_endpoint).
    volumes: VolumeClient | None = None
