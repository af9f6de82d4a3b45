"""``GET /servers/{id}/os-instance-actions[/{request_id}]``: what was done
to a server (create, delete, reboot, stop, start), from its cell."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import instance_actions as policy
from nubes.api.compute.service import instance_actions as service
from nubes.api.compute.views import instance_actions as view
from nubes.common.wsgi import errors


def _can(req, rule: str, project_id: str) -> bool:
    ctx = respond.ctx(req)
    try:
        respond.state(req).policy.authorize(ctx, rule, {"project_id": project_id,
                                                        "user_id": ctx.user_id})
    except errors.Forbidden:
        return False
    return True


def _authorize(req, rule: str, project_id: str) -> None:
    if not _can(req, rule, project_id):
        raise errors.Forbidden(f"Policy doesn't allow {rule} to be performed.")


def list_actions(req, resp, server_id: str) -> None:
    actions, project_id = service.list_actions(respond.state(req), respond.ctx(req),
                                               server_id)
    _authorize(req, policy.LIST, project_id)
    version = respond.version(req)
    respond.send(resp, {"instanceActions": [view.action(version, a) for a in actions]})


def show_action(req, resp, server_id: str, request_id: str) -> None:
    found, project_id = service.get_action(respond.state(req), respond.ctx(req), server_id,
                                           request_id)
    _authorize(req, policy.SHOW, project_id)
    version = respond.version(req)
    body = view.action(version, found)
    events_allowed = _can(req, policy.EVENTS, project_id)
    if version >= (2, 51) or events_allowed:
        details = _can(req, policy.EVENTS_DETAILS, project_id)
        body["events"] = [view.event(version, e, project_id, traceback=events_allowed,
                                     details=details) for e in found["events"]]
    respond.send(resp, {"instanceAction": body})
