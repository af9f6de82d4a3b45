"""Query strings and request bodies for /traits and
/resource_providers/{uuid}/traits (microversion 1.6+)."""
from nubes.placement.schemas import common

# GET /traits?name=startswith:CUSTOM_|in:A,B&associated=true|false
LIST_TRAITS_QUERY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        # "true" or "false" in any case (osc-placement sends "True"); the
        # handler checks the value.
        "associated": {"type": "string"},
    },
    "additionalProperties": False,
}

TRAIT_NAME = {"type": "string", "pattern": common.TRAIT_PATTERN, "minLength": 1,
              "maxLength": common.NAME_MAX}

# PUT /resource_providers/{uuid}/traits: the whole new set.
SET_PROVIDER_TRAITS = {
    "type": "object",
    "properties": {
        "traits": {"type": "array", "items": TRAIT_NAME},
        "resource_provider_generation": {"type": "integer"},
    },
    "required": ["traits", "resource_provider_generation"],
    "additionalProperties": False,
}
