"""Request bodies of /os-aggregates."""
from nubes.api.compute.schemas import common

METADATA_KEY_PATTERN = r"^[a-zA-Z0-9-_:. ]{1,255}$"

CREATE = {
    "type": "object",
    "properties": {"aggregate": {
        "type": "object",
        "properties": {"name": common.NAME, "availability_zone": common.AZ_NAME_OR_NULL},
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["aggregate"],
    "additionalProperties": False,
}

UPDATE = {
    "type": "object",
    "properties": {"aggregate": {
        "type": "object",
        "properties": {"name": common.NAME, "availability_zone": common.AZ_NAME_OR_NULL},
        "minProperties": 1,
        "additionalProperties": False,
    }},
    "required": ["aggregate"],
    "additionalProperties": False,
}

_HOST = {"type": "object", "properties": {"host": common.HOSTNAME}, "required": ["host"],
         "additionalProperties": False}

_METADATA = {
    "type": "object",
    # availability_zone must be a valid zone name (or null: no zone).
    "properties": {"availability_zone": common.AZ_NAME_OR_NULL},
    "patternProperties": {METADATA_KEY_PATTERN: {"type": ["string", "null"],
                                                 "maxLength": 255}},
    "additionalProperties": False,
}

# POST /os-aggregates/{id}/action: exactly one action.
ACTION = {
    "type": "object",
    "properties": {
        "add_host": _HOST,
        "remove_host": _HOST,
        "set_metadata": {"type": "object", "properties": {"metadata": _METADATA},
                         "required": ["metadata"], "additionalProperties": False},
    },
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
