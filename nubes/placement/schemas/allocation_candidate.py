"""Query strings for GET /allocation_candidates, one schema per window.

Keys that placement lets repeat (``member_of*``, from 1.39 ``required*``,
``same_subtree``) may arrive as a list.  ``limit`` and ``group_policy``
may too: placement uses their *first* value (every value is validated
here, and :mod:`..candidates.request` takes the first).  For every other
key a repeated value is collapsed to its last occurrence before
validation (placement reads those with "last one wins").
"""
from __future__ import annotations

import functools

from nubes.placement.schemas import common

_STR = {"type": "string"}
_STR_OR_LIST = {"anyOf": [_STR, {"type": "array", "items": _STR}]}
_LIMIT = {"type": "string", "pattern": "^[1-9][0-9]*$"}
_GROUP_POLICY = {"type": "string", "enum": ["none", "isolate"]}

# Request-group suffixes: numbers from 1.25, strings from 1.33.
NUMBERED_SUFFIX = "[1-9][0-9]*"
STRING_SUFFIX = "[a-zA-Z0-9_-]{1,64}"

# Parameters that may legitimately repeat (validated as lists).
REPEATABLE_PREFIXES = ("member_of", "same_subtree")
# Single-valued parameters whose first value wins (kept as lists, each
# value validated; the parser takes the first).
FIRST_WINS = ("limit", "group_policy")


def _one_or_more(item: dict) -> dict:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1}]}
REPEATABLE_FROM_1_39 = ("required",)


def suffix_pattern(version) -> str | None:
    if version >= (1, 33):
        return STRING_SUFFIX
    if version >= (1, 25):
        return NUMBERED_SUFFIX
    return None


@functools.lru_cache(maxsize=None)
def _schema(mv: tuple[int, int]) -> dict:
    properties: dict = {"resources": _STR}
    required = ["resources"]
    if mv >= (1, 16):
        properties["limit"] = _one_or_more(_LIMIT)
    if mv >= (1, 17):
        properties["required"] = _STR_OR_LIST if mv >= (1, 39) else _STR
    if mv >= (1, 21):
        properties["member_of"] = _STR_OR_LIST
    pattern_properties: dict = {}
    suffix = suffix_pattern(mv)
    if suffix is not None:
        required = []
        properties["group_policy"] = _one_or_more(_GROUP_POLICY)
        pattern_properties[f"^resources{suffix}$"] = _STR
        pattern_properties[f"^required{suffix}$"] = (_STR_OR_LIST if mv >= (1, 39) else _STR)
        pattern_properties[f"^member_of{suffix}$"] = _STR_OR_LIST
    if mv >= (1, 31):
        properties["in_tree"] = common.UUID
        pattern_properties[f"^in_tree{suffix}$"] = common.UUID
    if mv >= (1, 35):
        properties["root_required"] = _STR_OR_LIST
    if mv >= (1, 36):
        properties["same_subtree"] = _STR_OR_LIST
    schema = {"type": "object", "properties": properties,
              "additionalProperties": False}
    if pattern_properties:
        schema["patternProperties"] = pattern_properties
    if required:
        schema["required"] = required
    return schema


def query_schema(version) -> dict:
    """The schema for the request's microversion (one object per window,
    so the compiled validator is cached)."""
    mv = (version[0], version[1])
    for minimum in ((1, 39), (1, 36), (1, 35), (1, 33), (1, 31), (1, 25), (1, 21), (1, 17),
                    (1, 16)):
        if mv >= minimum:
            return _schema(minimum)
    return _schema((1, 10))


def collapse_repeats(params: dict, version) -> dict:
    """Keep every value of repeatable and first-wins keys; the last value
    of any other."""
    repeatable = REPEATABLE_PREFIXES + (REPEATABLE_FROM_1_39 if version >= (1, 39) else ())
    # root_required repeats are rejected later with a specific code, so keep them.
    repeatable = repeatable + ("root_required",)
    exact = FIRST_WINS
    out = {}
    for key, value in params.items():
        if isinstance(value, list) and not key.startswith(repeatable) and key not in exact:
            value = value[-1]
        out[key] = value
    return out
