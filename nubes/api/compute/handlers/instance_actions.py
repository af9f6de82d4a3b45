"""``GET /servers/{id}/os-instance-actions[/{request_id}]``: what was done
to a server (create, delete, reboot, stop, start, ...), from its cell.

- 2.21: a deleted server's actions stay readable (before, it is a 404).
- 2.51: the events for everyone (before, only where ``events`` allows).
- 2.58: ``limit`` (bounded by ``[api] max_limit``; 0 is an empty page),
  ``marker`` (a request id; unknown is a 400), ``changes-since`` (on when
  an action last changed), ``updated_at``, and a ``links`` next link when a
  page is full; other parameters are a 400 (ignored before 2.58).
- 2.62: events carry ``hostId`` (and ``host`` where ``events`` allows).
- 2.66: ``changes-before``.
- 2.84: events carry ``details`` where ``events:details`` allows.

Newest first: by ``created_at``, then by id.
"""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import instance_actions as policy
from nubes.api.compute.schemas import instance_actions as schema
from nubes.api.compute.service import instance_actions as service
from nubes.api.compute.views import collection_links as links_view
from nubes.api.compute.views import instance_actions as view
from nubes.common.wsgi import errors

DELETED_MIN = (2, 21)
EVENTS_FOR_ALL_MIN = (2, 51)


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
    version = respond.version(req)
    params = schema.list_params(req.params, version)
    max_limit = respond.state(req).conf.api.max_limit
    limit = max_limit if params.limit is None else min(params.limit, max_limit)
    query = service.ActionQuery(limit=limit, marker=params.marker,
                                changes_since=params.changes_since,
                                changes_before=params.changes_before)
    actions, project_id = service.list_actions(
        respond.state(req), respond.ctx(req), server_id, query,
        deleted_ok=version >= DELETED_MIN)
    _authorize(req, policy.LIST, project_id)
    body = {"instanceActions": [view.action(version, a) for a in actions]}
    if version >= schema.PAGING_MIN and actions and len(actions) == limit:
        body["links"] = links_view.next_links(
            respond.url(req, f"/servers/{server_id}/os-instance-actions"),
            links_view.request_params(req), actions[-1]["request_id"])
    respond.send(resp, body)


def show_action(req, resp, server_id: str, request_id: str) -> None:
    version = respond.version(req)
    found, project_id = service.get_action(respond.state(req), respond.ctx(req), server_id,
                                           request_id, deleted_ok=version >= DELETED_MIN)
    _authorize(req, policy.SHOW, project_id)
    body = view.action(version, found)
    events_allowed = _can(req, policy.EVENTS, project_id)
    if version >= EVENTS_FOR_ALL_MIN or events_allowed:
        details = _can(req, policy.EVENTS_DETAILS, project_id)
        body["events"] = [view.event(version, e, project_id, traceback=events_allowed,
                                     details=details) for e in found["events"]]
    respond.send(resp, {"instanceAction": body})
