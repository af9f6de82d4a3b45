"""Request bodies and query strings for /resource_providers."""
import copy

from nubes.placement.schemas import common

_NAME = {"type": "string", "maxLength": 200, "minLength": 1}

POST_PROVIDER = {
    "type": "object",
    "properties": {"name": _NAME, "uuid": common.UUID},
    "required": ["name"],
    "additionalProperties": False,
}

POST_PROVIDER_V1_14 = copy.deepcopy(POST_PROVIDER)
POST_PROVIDER_V1_14["properties"]["parent_provider_uuid"] = {
    "anyOf": [common.UUID, {"type": "null"}]}

PUT_PROVIDER = {
    "type": "object",
    "properties": {"name": _NAME},
    "required": ["name"],
    "additionalProperties": False,
}

PUT_PROVIDER_V1_14 = copy.deepcopy(PUT_PROVIDER)
PUT_PROVIDER_V1_14["properties"]["parent_provider_uuid"] = {
    "anyOf": [common.UUID, {"type": "null"}]}


def _query(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False}


_STR = {"type": "string"}
_STR_OR_LIST = {"anyOf": [_STR, {"type": "array", "items": _STR}]}

GET_PROVIDERS_QUERY = _query({"name": _STR, "uuid": common.UUID})
GET_PROVIDERS_QUERY_V1_3 = _query({**GET_PROVIDERS_QUERY["properties"], "member_of": _STR})
GET_PROVIDERS_QUERY_V1_4 = _query({**GET_PROVIDERS_QUERY_V1_3["properties"], "resources": _STR})
GET_PROVIDERS_QUERY_V1_14 = _query({**GET_PROVIDERS_QUERY_V1_4["properties"],
                                    "in_tree": common.UUID})
GET_PROVIDERS_QUERY_V1_18 = _query({**GET_PROVIDERS_QUERY_V1_14["properties"], "required": _STR})
# 1.24: member_of may repeat.  1.39: required may repeat (in: groups).
GET_PROVIDERS_QUERY_V1_24 = _query({**GET_PROVIDERS_QUERY_V1_18["properties"],
                                    "member_of": _STR_OR_LIST})
GET_PROVIDERS_QUERY_V1_39 = _query({**GET_PROVIDERS_QUERY_V1_24["properties"],
                                    "required": _STR_OR_LIST})


def providers_query_schema(version) -> dict:
    for minimum, schema in (((1, 39), GET_PROVIDERS_QUERY_V1_39),
                            ((1, 24), GET_PROVIDERS_QUERY_V1_24),
                            ((1, 18), GET_PROVIDERS_QUERY_V1_18),
                            ((1, 14), GET_PROVIDERS_QUERY_V1_14),
                            ((1, 4), GET_PROVIDERS_QUERY_V1_4),
                            ((1, 3), GET_PROVIDERS_QUERY_V1_3)):
        if version >= minimum:
            return schema
    return GET_PROVIDERS_QUERY


def collapse_repeats(params: dict, version) -> dict:
    """A repeated key keeps its last value (placement reads single-valued
    parameters "last one wins": before 1.39 a repeated ``required``
    overrides), except those that may repeat: ``member_of`` from 1.24
    (before, the handler refuses a repeat by name) and ``required`` from
    1.39."""
    keep = ((("member_of",) if version >= (1, 24) else ())
            + (("required",) if version >= (1, 39) else ()))
    return {key: value[-1] if isinstance(value, list) and key not in keep else value
            for key, value in params.items()}
