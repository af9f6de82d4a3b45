"""What every volume handler does with the request and the response."""
from __future__ import annotations

from typing import Any


from nubes.common.wsgi import body, errors

_TRUE = {"1", "t", "true", "on", "y", "yes"}
_FALSE = {"0", "f", "false", "off", "n", "no"}


def state(req):
    return req.context.state


def db(req):
    return req.context.state.db


def conf(req):
    return req.context.state.conf


def ctx(req):
    return req.context.ctx


def version(req):
    return req.context.version


def authorize(req, action: str, target: dict | None = None) -> None:
    """403 unless the policy allows ``action`` on ``target`` (by default
    the caller's own project)."""
    context = req.context.ctx
    req.context.state.policy.authorize(
        context, action, target or {"project_id": context.project_id,
                                    "user_id": context.user_id})


def allowed(req, action: str, target: dict | None = None) -> bool:
    try:
        authorize(req, action, target)
    except errors.Forbidden:
        return False
    return True


def require_version(req, minimum: tuple[int, int]) -> None:
    """404, as if the URL did not exist, below the resource's window."""
    if req.context.version < minimum:
        raise errors.NotFound("The resource could not be found.")


def read_body(req, schema: dict) -> Any:
    """The JSON body, validated.  A missing Content-Type is taken as JSON
    (as OpenStack services do); any other type is a 415."""
    return body.read_validated(req, schema, missing="Missing required element in request body.",
                               top_level="Invalid input received: ")


def validate(data: Any, schema: dict) -> None:
    body.check_fields(data, schema, top_level="Invalid input received: ")


def query(req, name: str) -> str | None:
    """A query parameter's value (the last one when repeated)."""
    value = req.params.get(name)
    if isinstance(value, list):
        return value[-1]
    return value


def parse_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise errors.BadRequest(f"Invalid value '{value}' for {name}: expected a boolean.")


def query_bool(req, name: str, default: bool = False) -> bool:
    value = query(req, name)
    return default if value is None else parse_bool(value, name)


def parse_int(value: str, what: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.BadRequest(f"{what} must be an integer, not '{value}'.") from None
    if number < minimum or number > 2**31 - 1:
        raise errors.BadRequest(f"{what} must be an integer >= {minimum}.")
    return number


def send(resp, payload: Any, status: int = 200) -> None:
    body.send_json(resp, payload, status)


def empty(resp, status: int = 202) -> None:
    resp.status = status
    resp.data = b""


def run_action(req, resp, actions: dict, target_id: str) -> None:
    """``POST .../{id}/action``: the body names one action of ``actions``
    (name -> (schema, runner)); the runner answers a status (an empty
    body) or ``(status, body)``.  An unknown action is a 400."""
    data = read_body(req, {"type": "object", "minProperties": 1, "maxProperties": 1})
    name = next(iter(data))
    if name not in actions:
        raise errors.BadRequest(f"There is no such action: {name}")
    schema, run = actions[name]
    validate(data, schema)
    answer = run(req, target_id, data[name])
    if isinstance(answer, tuple):
        send(resp, answer[1], status=answer[0])
    else:
        empty(resp, answer)
