"""Validate a query string against a JSON schema, placement style."""
from __future__ import annotations

from nubes.placement.handlers import validation


def validated_params(req, schema: dict) -> dict:
    """The request's query parameters as a dict (repeated ones as lists),
    or 400 naming what is wrong."""
    return validated(dict(req.params), schema)


def validated(params: dict, schema: dict) -> dict:
    """``params`` (a query string as a dict, repeated keys as lists), or
    400 naming what is wrong."""
    return validation.check(params, schema, validation.QUERY_PREFIX)


def as_list(value) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
