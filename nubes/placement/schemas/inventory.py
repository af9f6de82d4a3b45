"""Request bodies for /resource_providers/{uuid}/inventories[/{resource_class}]."""
from nubes.placement.schemas import common
from nubes.placement.models import MAX_INT

# The largest single-precision float: what the allocation_ratio column holds.
MAX_RATIO = 3.40282e+38


def _int(minimum: int) -> dict:
    return {"type": "integer", "minimum": minimum, "maximum": MAX_INT}


_FIELDS = {
    "total": _int(1),
    "reserved": _int(0),
    "min_unit": _int(1),
    "max_unit": _int(1),
    "step_size": _int(1),
    "allocation_ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATIO},
}
_GENERATION = {"type": "integer"}
_CLASS = {"type": "string", "pattern": common.RC_PATTERN, "maxLength": common.NAME_MAX}

# One record inside PUT .../inventories.
INVENTORY_RECORD = {
    "type": "object",
    "properties": _FIELDS,
    "required": ["total"],
    "additionalProperties": False,
}

PUT_INVENTORIES = {
    "type": "object",
    "properties": {
        "resource_provider_generation": _GENERATION,
        "inventories": {
            "type": "object",
            "patternProperties": {common.RC_PATTERN: INVENTORY_RECORD},
            "additionalProperties": False,
        },
    },
    "required": ["resource_provider_generation", "inventories"],
    "additionalProperties": False,
}

PUT_INVENTORY = {
    "type": "object",
    "properties": {**_FIELDS, "resource_provider_generation": _GENERATION},
    "required": ["total", "resource_provider_generation"],
    "additionalProperties": False,
}

POST_INVENTORY = {
    "type": "object",
    "properties": {**PUT_INVENTORY["properties"], "resource_class": _CLASS},
    # The generation is optional here and not checked (only the PUTs check it).
    "required": ["resource_class", "total"],
    "additionalProperties": False,
}
