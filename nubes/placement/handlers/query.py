"""Validate a query string against a JSON schema, placement style."""
from __future__ import annotations

import jsonschema

from nubes.common.wsgi import body, errors


def validated_params(req, schema: dict) -> dict:
    """The query parameters as a dict (repeated ones as lists), or 400
    naming what is wrong."""
    params = dict(req.params)
    error = jsonschema.exceptions.best_match(body.validator_for(schema).iter_errors(params))
    if error is not None:
        raise errors.BadRequest(f"Invalid query string parameters: {error.message}")
    return params


def as_list(value) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
