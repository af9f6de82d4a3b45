"""Request body for POST /reshaper (1.30+): whole inventories of some
providers and whole allocations of some consumers, applied together."""
import copy

from nubes.placement.schemas import allocation, inventory


def _body(consumer_schema: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "inventories": {
                "type": "object",
                "patternProperties": {allocation.UUID_PATTERN: inventory.PUT_INVENTORIES},
                "additionalProperties": False,
            },
            "allocations": {
                "type": "object",
                "patternProperties": {allocation.UUID_PATTERN: consumer_schema},
                "additionalProperties": False,
            },
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": False,
    }


RESHAPE_V1_30 = _body(copy.deepcopy(allocation.PUT_ALLOCATIONS_V1_28))
RESHAPE_V1_34 = _body(copy.deepcopy(allocation.PUT_ALLOCATIONS_V1_34))
RESHAPE_V1_38 = _body(copy.deepcopy(allocation.PUT_ALLOCATIONS_V1_38))


def reshape_schema(version) -> dict:
    if version >= (1, 38):
        return RESHAPE_V1_38
    if version >= (1, 34):
        return RESHAPE_V1_34
    return RESHAPE_V1_30
