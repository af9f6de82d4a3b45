"""Request bodies for PUT /resource_providers/{uuid}/aggregates."""
from nubes.placement.schemas import common

_AGGREGATES = {"type": "array", "items": common.UUID, "uniqueItems": True}

# 1.1 - 1.18: a bare list of aggregate uuids.
PUT_AGGREGATES = _AGGREGATES

# 1.19+: the list together with the provider generation the caller holds.
PUT_AGGREGATES_V1_19 = {
    "type": "object",
    "properties": {"aggregates": _AGGREGATES,
                   "resource_provider_generation": {"type": "integer"}},
    "required": ["aggregates", "resource_provider_generation"],
    "additionalProperties": False,
}
