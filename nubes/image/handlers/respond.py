"""What every image handler does with the request and the response."""
from __future__ import annotations

from typing import Any

import jsonschema

from nubes.common.wsgi import body, errors


def db(req):
    return req.context.state.db


def ctx(req):
    return req.context.ctx


def store(req):
    return req.context.state.store


def conf(req):
    return req.context.state.conf


def owner_target(owner: str | None) -> dict:
    """The policy target of an action on an image owned by ``owner``."""
    return {"project_id": owner, "owner": owner}


def authorize(req, action: str, target: dict | None = None) -> None:
    context = req.context.ctx
    req.context.state.policy.authorize(
        context, action, target or {"project_id": context.project_id, "owner":
                                    context.project_id})


def allowed(req, action: str, target: dict | None = None) -> bool:
    try:
        authorize(req, action, target)
    except errors.Forbidden:
        return False
    return True


def read_json(req, media_types: tuple[str, ...] = ("application/json",)) -> Any:
    content_type = (req.content_type or "application/json").split(";")[0].strip().lower()
    if content_type not in media_types:
        raise errors.UnsupportedMediaType(
            f"Unsupported Content-Type: {req.content_type}; expected "
            f"{' or '.join(media_types)}.")
    return body.parse(body.read_bounded(req), "Malformed JSON in request body.")


def validate(data: Any, schema: dict, name: str) -> None:
    error = jsonschema.exceptions.best_match(body.validator_for(schema).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        detail = f" (at {where})" if where else ""
        raise errors.BadRequest(
            f"Provided object does not match schema '{name}': {error.message}{detail}")


def send(resp, payload: Any, status: int = 200) -> None:
    body.send_json(resp, payload, status)


def empty(resp, status: int = 204) -> None:
    resp.status = status
    resp.data = b""
