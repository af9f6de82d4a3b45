"""Quota set bodies."""
from __future__ import annotations

from nubes.volume.api.schemas.common import INTEGER

UPDATE = {
    "type": "object",
    "properties": {
        "quota_set": {
            "type": "object",
            "patternProperties": {r"^[A-Za-z0-9_\-. :]{1,300}$": INTEGER},
            "additionalProperties": False,
            "maxProperties": 256,
        },
    },
    "required": ["quota_set"],
    "additionalProperties": False,
}
