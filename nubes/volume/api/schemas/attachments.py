"""Attachment bodies (3.27+)."""
from __future__ import annotations

from nubes.volume.api.schemas.common import UUID

CONNECTOR = {"type": ["object", "null"], "maxProperties": 64}

CREATE = {
    "type": "object",
    "properties": {
        "attachment": {
            "type": "object",
            "properties": {
                "volume_uuid": UUID,
                "instance_uuid": {"type": ["string", "null"], "format": "uuid"},
                "connector": CONNECTOR,
                "mode": {"type": ["string", "null"], "enum": ["rw", "ro", None]},
            },
            "required": ["volume_uuid"],
            "additionalProperties": False,
        },
    },
    "required": ["attachment"],
    "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {
        "attachment": {
            "type": "object",
            "properties": {"connector": {"type": "object", "minProperties": 1,
                                         "maxProperties": 64}},
            "required": ["connector"],
            "additionalProperties": False,
        },
    },
    "required": ["attachment"],
    "additionalProperties": False,
}

ACTION = {
    "type": "object",
    "properties": {"os-complete": {}},
    "required": ["os-complete"],
    "additionalProperties": False,
}
