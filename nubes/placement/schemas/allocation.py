"""Request bodies for PUT /allocations/{consumer_uuid} and POST /allocations.

PUT: a list of {resource_provider: {uuid}, resources} (1.0-1.11); project_id
and user_id required from 1.8; a dict keyed by provider uuid from 1.12;
consumer_generation required (and empty allocations allowed) from 1.28;
optional mappings from 1.34; consumer_type required from 1.38.
POST (1.13+): a dict keyed by consumer uuid of PUT-1.12-style bodies whose
allocations may be empty, gaining the same fields at the same versions.
"""
import copy

from nubes.placement.schemas import common

UUID_PATTERN = ("^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                "[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
CONSUMER_TYPE_PATTERN = "^[A-Z0-9_]+$"
# Request group suffixes as 1.33 allows them, plus "" for the unsuffixed group.
GROUP_SUFFIX_PATTERN = "^([a-zA-Z0-9_-]{1,64})?$"

_MAX_AMOUNT = 2 ** 31 - 1

RESOURCES = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {
        common.RC_PATTERN: {"type": "integer", "minimum": 1, "maximum": _MAX_AMOUNT},
    },
    "additionalProperties": False,
}

_EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": 255}

PUT_ALLOCATIONS_V1_0 = {
    "type": "object",
    "properties": {
        "allocations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "resource_provider": {
                        "type": "object",
                        "properties": {"uuid": common.UUID},
                        "required": ["uuid"],
                        "additionalProperties": False,
                    },
                    "resources": RESOURCES,
                },
                "required": ["resource_provider", "resources"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["allocations"],
    "additionalProperties": False,
}

PUT_ALLOCATIONS_V1_8 = copy.deepcopy(PUT_ALLOCATIONS_V1_0)
PUT_ALLOCATIONS_V1_8["properties"]["project_id"] = _EXTERNAL_ID
PUT_ALLOCATIONS_V1_8["properties"]["user_id"] = _EXTERNAL_ID
PUT_ALLOCATIONS_V1_8["required"] += ["project_id", "user_id"]

PUT_ALLOCATIONS_V1_12 = {
    "type": "object",
    "properties": {
        "allocations": {
            "type": "object",
            "minProperties": 1,
            "patternProperties": {
                UUID_PATTERN: {
                    "type": "object",
                    "properties": {
                        # Ignored: accepted for symmetry with GET.
                        "generation": {"type": "integer"},
                        "resources": RESOURCES,
                    },
                    "required": ["resources"],
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
        "project_id": _EXTERNAL_ID,
        "user_id": _EXTERNAL_ID,
    },
    "required": ["allocations", "project_id", "user_id"],
    "additionalProperties": False,
}

# The allocations of one consumer where an empty dict means "remove them".
_DELETABLE = copy.deepcopy(PUT_ALLOCATIONS_V1_12)
_DELETABLE["properties"]["allocations"]["minProperties"] = 0

_GENERATION = {"type": ["integer", "null"]}

PUT_ALLOCATIONS_V1_28 = copy.deepcopy(_DELETABLE)
PUT_ALLOCATIONS_V1_28["properties"]["consumer_generation"] = _GENERATION
PUT_ALLOCATIONS_V1_28["required"].append("consumer_generation")

MAPPINGS = {
    "type": "object",
    "minProperties": 1,
    "patternProperties": {
        GROUP_SUFFIX_PATTERN: {
            "type": "array",
            "minItems": 1,
            "items": common.UUID,
        },
    },
    "additionalProperties": False,
}

PUT_ALLOCATIONS_V1_34 = copy.deepcopy(PUT_ALLOCATIONS_V1_28)
PUT_ALLOCATIONS_V1_34["properties"]["mappings"] = MAPPINGS

PUT_ALLOCATIONS_V1_38 = copy.deepcopy(PUT_ALLOCATIONS_V1_34)
PUT_ALLOCATIONS_V1_38["properties"]["consumer_type"] = {
    "type": "string", "pattern": CONSUMER_TYPE_PATTERN, "minLength": 1, "maxLength": 255}
PUT_ALLOCATIONS_V1_38["required"].append("consumer_type")


def _post(consumer_schema: dict) -> dict:
    return {
        "type": "object",
        "minProperties": 1,
        "patternProperties": {UUID_PATTERN: consumer_schema},
        "additionalProperties": False,
    }


POST_ALLOCATIONS_V1_13 = _post(_DELETABLE)
POST_ALLOCATIONS_V1_28 = _post(PUT_ALLOCATIONS_V1_28)
POST_ALLOCATIONS_V1_34 = _post(PUT_ALLOCATIONS_V1_34)
POST_ALLOCATIONS_V1_38 = _post(PUT_ALLOCATIONS_V1_38)


def put_schema(version) -> dict:
    for minimum, schema in (((1, 38), PUT_ALLOCATIONS_V1_38),
                            ((1, 34), PUT_ALLOCATIONS_V1_34),
                            ((1, 28), PUT_ALLOCATIONS_V1_28),
                            ((1, 12), PUT_ALLOCATIONS_V1_12),
                            ((1, 8), PUT_ALLOCATIONS_V1_8)):
        if version >= minimum:
            return schema
    return PUT_ALLOCATIONS_V1_0


def post_schema(version) -> dict:
    for minimum, schema in (((1, 38), POST_ALLOCATIONS_V1_38),
                            ((1, 34), POST_ALLOCATIONS_V1_34),
                            ((1, 28), POST_ALLOCATIONS_V1_28)):
        if version >= minimum:
            return schema
    return POST_ALLOCATIONS_V1_13
