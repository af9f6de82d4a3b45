"""Volume type bodies."""
from __future__ import annotations

from nubes.volume.api.schemas.common import BOOLEAN, DESCRIPTION, KEY_VALUES

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^(?!\s*$).+"}
IS_PUBLIC = "os-volume-type-access:is_public"

CREATE = {
    "type": "object",
    "properties": {
        "volume_type": {
            "type": "object",
            "properties": {
                "name": _NAME,
                "description": DESCRIPTION,
                IS_PUBLIC: BOOLEAN,
                "extra_specs": KEY_VALUES,
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["volume_type"],
    "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {
        "volume_type": {
            "type": "object",
            "properties": {"name": _NAME, "description": DESCRIPTION, "is_public": BOOLEAN},
            "minProperties": 1,
            "additionalProperties": False,
        },
    },
    "required": ["volume_type"],
    "additionalProperties": False,
}

EXTRA_SPECS = {
    "type": "object",
    "properties": {"extra_specs": {**KEY_VALUES, "minProperties": 1}},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

EXTRA_SPEC_ITEM = {**KEY_VALUES, "minProperties": 1, "maxProperties": 1}

_PROJECT = {"type": "object",
            "properties": {"project": {"type": "string", "minLength": 1, "maxLength": 255}},
            "required": ["project"], "additionalProperties": False}

ACCESS_ACTION = {
    "type": "object",
    "properties": {"addProjectAccess": _PROJECT, "removeProjectAccess": _PROJECT},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
