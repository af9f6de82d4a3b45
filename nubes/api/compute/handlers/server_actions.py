"""``POST /servers/{id}/action``: reboot, os-stop, os-start (202).

One action per body; an unknown one is a 400.  404 for a server the caller
cannot see, 409 ``conflictingRequest`` when its state forbids the action.
"""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import servers as policy
from nubes.api.compute.service import server_power as service
from nubes.api.compute.service import servers as server_service
from nubes.common.wsgi import errors

_REBOOT = {"type": "object", "properties": {
    "type": {"type": "string", "enum": ["SOFT", "HARD", "soft", "hard"]}},
    "required": ["type"], "additionalProperties": False}
_NULL_OR_EMPTY = {"type": ["null", "object"], "additionalProperties": False}
SCHEMA = {"type": "object", "minProperties": 1, "maxProperties": 1, "properties": {
    "reboot": _REBOOT, "os-stop": _NULL_OR_EMPTY, "os-start": _NULL_OR_EMPTY}}

_RULES = {"reboot": policy.REBOOT, "os-stop": policy.STOP, "os-start": policy.START}


def server_action(req, resp, server_id: str) -> None:
    body = respond.read_body(req, {"type": "object"})
    names = [name for name in body if name in _RULES]
    if len(body) != 1 or not names:
        raise errors.BadRequest(f"There is no such action: {', '.join(body) or '(none)'}")
    respond.validate(body, SCHEMA)
    name = names[0]
    state, ctx = respond.state(req), respond.ctx(req)
    server = server_service.find(state, ctx, server_id)
    rule = _RULES[name]
    try:
        state.policy.authorize(ctx, rule, {"project_id": server.instance.get("project_id"),
                                           "user_id": ctx.user_id})
    except errors.Forbidden:
        raise errors.Forbidden(f"Policy does not allow {rule} to be performed.") from None
    if name == "reboot":
        what = "reboot_hard" if body["reboot"]["type"].upper() == "HARD" else "reboot_soft"
    else:
        what = "stop" if name == "os-stop" else "start"
    service.power_action(state, ctx, server.uuid, what)
    respond.empty(resp, 202)
