"""Reading and writing JSON bodies.

One compiled validator per schema (jsonschema's compile step is the costly
part); orjson on both sides because answers such as allocation candidates
run to hundreds of kilobytes.
"""
from __future__ import annotations

import uuid
from typing import Any

import jsonschema
import orjson

from nubes.common.wsgi import errors

_FORMATS = jsonschema.FormatChecker()
_VALIDATORS: dict[int, tuple[dict, Any]] = {}


@_FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    uuid.UUID(value)
    return True


def is_uuid_like(value: object) -> bool:
    try:
        return isinstance(value, str) and bool(uuid.UUID(value))
    except ValueError:
        return False


def validator_for(schema: dict) -> jsonschema.protocols.Validator:
    """The compiled validator of a module-level schema constant (cached by
    identity; the schema object is kept alive with its validator)."""
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        entry = (schema, cls(schema, format_checker=_FORMATS))
        _VALIDATORS[id(schema)] = entry
    return entry[1]


def read_json(req, schema: dict | None = None) -> Any:
    """Parse the request body as JSON and validate it against ``schema``.

    Errors come back as 400s (415 for a body that does not claim to be
    JSON) with the messages OpenStack services give.
    """
    content_type = req.content_type
    if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
        raise errors.UnsupportedMediaType(
            f"The media type {content_type} is not supported, use application/json")
    raw = req.bounded_stream.read()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.BadRequest(f"Malformed JSON: {exc}") from None
    if schema is not None:
        validate(data, schema)
    return data


def validate(data: Any, schema: dict) -> None:
    error = jsonschema.exceptions.best_match(validator_for(schema).iter_errors(data))
    if error is not None:
        raise errors.BadRequest(f"JSON does not validate: {error.message}")


def send_json(resp, body: Any, status: int = 200) -> None:
    resp.status = status
    resp.content_type = "application/json"
    resp.data = orjson.dumps(body)
