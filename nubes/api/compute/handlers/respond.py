"""What every compute handler does with the request and the response."""
from __future__ import annotations

import uuid
from typing import Any


from nubes.common.wsgi import body, errors

# "true"/"false" and the other spellings OpenStack services accept.
_TRUE = {"1", "t", "true", "on", "y", "yes"}
_FALSE = {"0", "f", "false", "off", "n", "no"}


def state(req):
    return req.context.state


def ctx(req):
    return req.context.ctx


def version(req):
    return req.context.version


def authorize(req, action: str) -> None:
    context = req.context.ctx
    req.context.state.policy.authorize(
        context, action, {"project_id": context.project_id, "user_id": context.user_id})


def require_version(req, minimum: tuple[int, int], maximum: tuple[int, int] | None = None) -> None:
    """404, as if the URL did not exist, outside the handler's window."""
    v = req.context.version
    if v < minimum or (maximum is not None and v > maximum):
        raise errors.NotFound("The resource could not be found.")


def read_body(req, schema: dict) -> Any:
    """The JSON body, validated.  A missing Content-Type is taken as JSON
    (as OpenStack services do); any other type is a 415."""
    return body.read_validated(req, schema, missing="The request body is missing.",
                               top_level="Invalid input: ")


def validate(data: Any, schema: dict) -> None:
    body.check_fields(data, schema, top_level="Invalid input: ")


# --- query parameters --------------------------------------------------------

def query(req, name: str) -> str | None:
    """A query parameter's value (the last one when repeated)."""
    value = req.params.get(name)
    if isinstance(value, list):
        return value[-1]
    return value


def query_bool(req, name: str, default: bool = False) -> bool:
    value = query(req, name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise errors.BadRequest(f"Invalid value '{value}' for query parameter {name}: "
                            "expected a boolean (true or false).")


def query_limit(req, max_limit: int, *, zero_is_max: bool = True) -> int:
    """The ``limit`` parameter, capped at ``max_limit``.  Most collections
    read 0 as "the maximum" (OpenStack's ``limit or max_limit``); servers
    pass ``zero_is_max=False``, where 0 asks for an empty page."""
    value = query(req, "limit")
    if value is None:
        return max_limit
    try:
        limit = int(value)
    except ValueError:
        raise errors.BadRequest(f"limit must be an integer, not '{value}'.") from None
    if limit < 0:
        raise errors.BadRequest("limit must be >= 0.")
    if limit == 0 and not zero_is_max:
        return 0
    return min(limit or max_limit, max_limit)


def parse_int(value: str, what: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise errors.BadRequest(f"Invalid {what} '{value}': must be an integer.") from None
    if number < 0 or number > 2**31 - 1:
        raise errors.BadRequest(f"Invalid {what} '{value}': out of range.")
    return number


def parse_uuid(value: str, what: str = "uuid") -> str:
    """The canonical (lower-case, hyphenated) form of a uuid; 400 otherwise."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.BadRequest(f"Invalid {what} {value}") from None


# --- responses -------------------------------------------------------------------

def send(resp, payload: Any, status: int = 200) -> None:
    body.send_json(resp, payload, status)


def empty(resp, status: int) -> None:
    resp.status = status
    resp.data = b""


def url(req, path: str) -> str:
    """An absolute URL of ``path`` under the API root the caller used
    (with the project id in it if the request had one)."""
    project_id = getattr(req.context, "url_project_id", None)
    root = "/v2" if getattr(req.context, "legacy_v2", False) else "/v2.1"
    if project_id:
        root += f"/{project_id}"
    return req.prefix + root + path
