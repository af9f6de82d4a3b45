"""Reading and writing JSON bodies.

A body is bounded before it is read (``[api] max_request_body_size``: 413
past it) and before it is used (at most :data:`MAX_DEPTH` levels of
nesting: a 400, never a recursion error while validating or reporting it).
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

# No API body nests this deep (a reshape is six levels); deeper is hostile.
MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 1 << 20
NUL_MESSAGE = "The request contains a NUL character, which is not allowed."

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


def _max_bytes(req) -> int:
    conf = getattr(getattr(req.context, "state", None), "conf", None)
    return conf.api.max_request_body_size if conf is not None else DEFAULT_MAX_BYTES


def read_bounded(req) -> bytes:
    """The request body, or a 413 when it is larger than the API accepts
    (told by Content-Length before anything is read, or found while reading
    a body of unstated length)."""
    limit = _max_bytes(req)
    if req.content_length is not None and req.content_length > limit:
        raise errors.RequestEntityTooLarge(
            f"The request body is {req.content_length} bytes; the most accepted is {limit}.")
    raw = req.bounded_stream.read(limit + 1)
    if len(raw) > limit:
        raise errors.RequestEntityTooLarge(
            f"The request body is larger than the {limit} bytes accepted.")
    return raw


def check_nesting(data: Any) -> Any:
    """``data``, or a 400 when it nests deeper than :data:`MAX_DEPTH` or a
    string (or key) in it holds a NUL character, which no API accepts and
    PostgreSQL cannot store (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise errors.BadRequest(NUL_MESSAGE)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise errors.BadRequest(f"The request body nests deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((child, depth + 1) for child in value.values())
        else:
            stack.extend((child, depth + 1) for child in value)
    return data


def parse(raw: bytes, malformed: str) -> Any:
    """JSON from ``raw``, nested no deeper than :data:`MAX_DEPTH`; 400
    ``malformed`` when it is not JSON."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise errors.BadRequest(malformed) from None
    return check_nesting(data)


def read_json(req, schema: dict | None = None) -> Any:
    """Parse the request body as JSON and validate it against ``schema``.

    Errors come back as 400s (415 for a body that does not claim to be
    JSON) with the messages OpenStack services give.
    """
    content_type = req.content_type
    if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
        raise errors.UnsupportedMediaType(
            f"The media type {content_type} is not supported, use application/json")
    raw = read_bounded(req)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise errors.BadRequest(f"Malformed JSON: {exc}") from None
    check_nesting(data)
    if schema is not None:
        validate(data, schema)
    return data


def validate(data: Any, schema: dict) -> None:
    error = jsonschema.exceptions.best_match(validator_for(schema).iter_errors(data))
    if error is not None:
        raise errors.BadRequest(f"JSON does not validate: {error.message}")


def read_validated(req, schema: dict, *, missing: str, top_level: str) -> Any:
    """The JSON body as the compute and block storage APIs read it: no
    Content-Type is taken as JSON, another type is a 415, an empty body the
    400 ``missing``; then :func:`check_fields`."""
    content_type = req.content_type
    if content_type and content_type.split(";")[0].strip().lower() != "application/json":
        raise errors.UnsupportedMediaType(f"Unsupported Content-Type: {content_type}")
    raw = read_bounded(req)
    if not raw or not raw.strip():
        raise errors.BadRequest(missing)
    data = parse(raw, "Malformed request body.")
    check_fields(data, schema, top_level=top_level)
    return data


def check_fields(data: Any, schema: dict, *, top_level: str) -> None:
    """400 naming the field that fails ``schema`` (``Invalid input for
    field/attribute <path>. Value: <value>. <why>``), or ``top_level``
    and the reason when the body itself does."""
    error = jsonschema.exceptions.best_match(validator_for(schema).iter_errors(data))
    if error is None:
        return
    where = "/".join(str(p) for p in error.absolute_path)
    if where:
        raise errors.BadRequest(f"Invalid input for field/attribute {where}. "
                                f"Value: {_short(error.instance)}. {error.message}")
    raise errors.BadRequest(f"{top_level}{error.message}")


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode() if not isinstance(value, str) else value
    return text if len(text) <= 100 else text[:97] + "..."


def send_json(resp, body: Any, status: int = 200) -> None:
    resp.status = status
    resp.content_type = "application/json"
    resp.data = orjson.dumps(body)
