"""``/volumes/{id}/metadata``: show, add to, replace; one key at a time."""
from __future__ import annotations

from nubes.volume.api.handlers.metadata import Metadata, Rules
from nubes.volume.api.policies import volumes as rules
from nubes.volume.api.service import volumes as service

METADATA = Metadata("Volume", "volume_id",
                    Rules(rules.METADATA_GET, rules.METADATA_CREATE, rules.METADATA_UPDATE,
                          rules.METADATA_DELETE),
                    service.get_metadata, service.set_metadata, service.delete_metadata_key)
