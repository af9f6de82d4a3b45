"""Snapshot bodies."""
from __future__ import annotations

from nubes.volume.api.schemas.common import (BOOLEAN, DESCRIPTION, NAME, NULLABLE_KEY_VALUES)

CREATE = {
    "type": "object",
    "properties": {
        "snapshot": {
            "type": "object",
            "properties": {
                "volume_id": {"type": "string", "minLength": 1, "maxLength": 36},
                "name": NAME,
                "description": DESCRIPTION,
                "display_name": NAME,
                "display_description": DESCRIPTION,
                "force": {**BOOLEAN, "type": ["boolean", "string", "null"],
                          "enum": [*BOOLEAN["enum"], None]},
                "metadata": NULLABLE_KEY_VALUES,
            },
            "required": ["volume_id"],
            "additionalProperties": False,
        },
    },
    "required": ["snapshot"],
    "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {
        "snapshot": {
            "type": "object",
            "properties": {"name": NAME, "description": DESCRIPTION,
                           "display_name": NAME, "display_description": DESCRIPTION},
            "additionalProperties": False,
        },
    },
    "required": ["snapshot"],
    "additionalProperties": False,
}

STATUSES = ["creating", "available", "deleting", "error", "error_deleting", "backing-up",
            "restoring", "unmanaging"]
RESET_STATUS = {"type": "object", "properties": {"os-reset_status": {
    "type": "object", "properties": {"status": {"type": "string", "enum": STATUSES}},
    "required": ["status"], "additionalProperties": False}},
    "required": ["os-reset_status"], "additionalProperties": False}
FORCE_DELETE = {"type": "object", "properties": {"os-force_delete": {"type": ["object", "null"]}},
                "required": ["os-force_delete"], "additionalProperties": False}
