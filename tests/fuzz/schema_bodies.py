"""Bodies from the APIs' own JSON schemas: an instance the schema accepts
(mostly), then mutated the way a hostile client would (a node replaced by a
hostile value, a key dropped or added, deep nesting spliced in).

The generator covers the JSON-schema keywords the nubes schemas use; what
it cannot satisfy (an unusual pattern) it gives up on and draws a random
JSON value there instead: the point is hostile input, not valid input.
"""
from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from tests.fuzz import hostile

_MAX_DEPTH = 8


def _typed(schema: dict, kind: str, depth: int, hints: dict) -> st.SearchStrategy[Any]:
    if kind == "object":
        return _object(schema, depth, hints)
    if kind == "array":
        items = schema.get("items", {})
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return st.lists(valid(items, depth + 1, hints), min_size=low, max_size=max(low, high))
    if kind == "string":
        return _string(schema, hints)
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum", -2**31),
                           max_value=schema.get("maximum", 2**31))
    if kind == "number":
        low, high = schema.get("minimum", -1e6), schema.get("maximum", 1e6)
        return st.floats(min_value=low, max_value=high, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return hostile.json_value()


def _string(schema: dict, hints: dict) -> st.SearchStrategy[str]:
    if schema.get("format") == "uuid":
        if hints.get("uuid"):
            return hostile.weighted((1, st.uuids().map(str)),
                                    (2, st.sampled_from(hints["uuid"])))
        return st.uuids().map(str)
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 40), 300)
    pattern = schema.get("pattern")
    if pattern:
        return _matching(pattern, low, max(high, low))
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                   min_size=low, max_size=max(low, high))


def _matching(pattern: str, low: int, high: int) -> st.SearchStrategy[str]:
    """Strings matching ``pattern`` of ``low`` to ``high`` characters (hostile
    strings for a pattern hypothesis cannot generate from)."""
    try:
        return st.from_regex(pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high)
    except Exception:  # noqa: BLE001 - re features hypothesis does not support
        return hostile.hostile_string()


def _key(pattern: str, hints: dict) -> st.SearchStrategy[str]:
    """Keys of a ``patternProperties`` pattern: the cloud's own ids and
    resource classes where the pattern is one of theirs, else generated."""
    generated = _matching(pattern, 0, 100)
    known = hints.get("uuid") if "{8}" in pattern else (
        hints.get("rc") if "A-Z0-9_" in pattern else None)
    if known:
        return hostile.weighted((1, generated), (2, st.sampled_from(known)))
    return generated


def _object(schema: dict, depth: int, hints: dict) -> st.SearchStrategy[dict]:
    props: dict = schema.get("properties", {})
    required = [k for k in schema.get("required", []) if k in props]
    optional = [k for k in props if k not in required]

    def prop(name: str) -> st.SearchStrategy[Any]:
        generated = valid(props[name], depth + 1, hints)
        known = hints.get("props", {}).get(name)
        if known:
            return hostile.weighted((1, generated), (2, st.sampled_from(known)))
        return generated
    fixed = {k: prop(k) for k in required}
    extra_keys = []
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        extra_keys.append(st.dictionaries(_key(pattern, hints), valid(sub, depth + 1, hints),
                                          max_size=3))

    @st.composite
    def build(draw):
        value = draw(st.fixed_dictionaries(fixed)) if fixed else {}
        for key in draw(st.lists(st.sampled_from(optional), unique=True,
                                 max_size=len(optional))) if optional else []:
            value[key] = draw(prop(key))
        for extra in extra_keys:
            value.update(draw(extra))
        return value
    return build()


def valid(schema: Any, depth: int = 0, hints: dict | None = None) -> st.SearchStrategy[Any]:
    """Instances of ``schema`` (most of the time: patterns and combinators
    are followed, ``not`` and cross-field rules are not).  ``hints``: values
    the cloud really has — ``props`` by property name, ``uuid`` for uuid
    strings and keys, ``rc`` for resource-class keys — drawn often, so that
    bodies get past the lookups to the code behind them."""
    hints = hints or {}
    if not isinstance(schema, dict) or not schema or depth > _MAX_DEPTH:
        return hostile.json_value(max_leaves=4)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            base = {k: v for k, v in schema.items() if k != combinator}
            return st.one_of([valid({**base, **option}, depth, hints)
                              for option in schema[combinator]])
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged.update(part)
        return valid(merged, depth, hints)
    kind = schema.get("type")
    if kind is None:
        kind = "object" if "properties" in schema else None
    if isinstance(kind, list):
        return st.one_of([_typed(schema, k, depth, hints) for k in kind])
    if kind is None:
        return hostile.json_value(max_leaves=4)
    return _typed(schema, kind, depth, hints)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into ``value`` (keys of dicts, indexes of lists)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, prefix + (index,))
    return found


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return value


def _parent(value: Any, path: tuple) -> Any:
    for step in path[:-1]:
        value = value[step]
    return value


@st.composite
def mutated(draw, schema: Any, hints: dict | None = None) -> Any:
    """An instance of ``schema`` with zero to three hostile mutations."""
    value = copy.deepcopy(draw(valid(schema, 0, hints)))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        path = draw(st.sampled_from(_paths(value)))
        how = draw(st.sampled_from(["replace", "replace", "drop", "add", "deep", "wrap"]))
        if how == "replace":
            value = _set(value, path, draw(hostile.json_value(max_leaves=6)))
        elif how == "drop" and path:
            parent = _parent(value, path)
            del parent[path[-1]]
        elif how == "add":
            target = _parent(value, path + ("",)) if path else value
            if isinstance(target, dict):
                target[draw(hostile.hostile_string().filter(lambda s: len(s) < 300))] = draw(
                    hostile.json_value(max_leaves=4))
            elif isinstance(target, list):
                target.append(draw(hostile.json_value(max_leaves=4)))
        elif how == "deep":
            value = _set(value, path, draw(hostile.deep()))
        elif how == "wrap":
            value = _set(value, path, [copy.deepcopy(_get(value, path))])
    return value


def _get(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


def body_for(schema: Any, hints: dict | None = None) -> st.SearchStrategy[Any]:
    """A body for a route that takes ``schema``: mostly mutated instances,
    sometimes random JSON, sometimes bytes that are no JSON at all."""
    return hostile.weighted((6, mutated(schema, hints)), (1, hostile.json_value()),
                            (1, hostile.raw_body()))
