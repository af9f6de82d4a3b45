"""``/volumes/{id}/metadata``: show, add to, replace; one key at a time."""
from __future__ import annotations

from nubes.volume.api.handlers.metadata import Metadata, Rules
from nubes.volume.api.policies import volumes as rules
from nubes.volume.api.service import volumes as service

_METADATA = Metadata("Volume", "volume_id",
                     Rules(rules.METADATA_GET, rules.METADATA_CREATE, rules.METADATA_UPDATE,
                           rules.METADATA_DELETE),
                     service.get_metadata, service.set_metadata, service.delete_metadata_key)

show_metadata = _METADATA.show
add_metadata = _METADATA.add
replace_metadata = _METADATA.replace
show_metadata_key = _METADATA.show_key
set_metadata_key = _METADATA.set_key
delete_metadata_key = _METADATA.delete_key
