"""Volume bodies."""
from __future__ import annotations

from nubes.volume.api.schemas.common import (BOOLEAN, DESCRIPTION, NAME, NULLABLE_KEY_VALUES,
                                             KEY_VALUES, POSITIVE)

_REF = {"type": ["string", "null"], "maxLength": 255}

CREATE = {
    "type": "object",
    "properties": {
        "volume": {
            "type": "object",
            "properties": {
                "size": {**POSITIVE, "type": ["integer", "string", "null"]},
                "name": NAME,
                "description": DESCRIPTION,
                "display_name": NAME,
                "display_description": DESCRIPTION,
                "volume_type": _REF,
                "availability_zone": _REF,
                "metadata": NULLABLE_KEY_VALUES,
                "snapshot_id": _REF,
                "source_volid": _REF,
                "imageRef": _REF,
                "image_id": _REF,
                "backup_id": _REF,
                "consistencygroup_id": _REF,
                "group_id": _REF,
                "multiattach": BOOLEAN,
            },
        },
        "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]},
    },
    "required": ["volume"],
    "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {
        "volume": {
            "type": "object",
            "properties": {
                "name": NAME, "description": DESCRIPTION,
                "display_name": NAME, "display_description": DESCRIPTION,
                "metadata": KEY_VALUES,
            },
            "additionalProperties": False,
        },
    },
    "required": ["volume"],
    "additionalProperties": False,
}

METADATA = {
    "type": "object",
    "properties": {"metadata": KEY_VALUES},
    "required": ["metadata"],
    "additionalProperties": False,
}

META_ITEM = {
    "type": "object",
    "properties": {"meta": {**KEY_VALUES, "minProperties": 1, "maxProperties": 1}},
    "required": ["meta"],
    "additionalProperties": False,
}
