"""/os-server-groups: create, list (all_projects for admins; limit and
offset), show, delete."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import server_groups as policy
from nubes.api.compute.schemas import server_groups as schema
from nubes.api.compute.service import server_groups as service
from nubes.api.compute.views import server_groups as view
from nubes.common.wsgi import errors


def _authorize_on(req, action: str, group) -> None:
    ctx = respond.ctx(req)
    req.context.state.policy.authorize(ctx, action, {"project_id": group.project_id,
                                                     "user_id": group.user_id})


def create_server_group(req, resp) -> None:
    respond.authorize(req, policy.CREATE)
    version = respond.version(req)
    if version >= (2, 64):
        data = respond.read_body(req, schema.CREATE_V264)["server_group"]
        name, chosen = data["name"], data["policy"]
        rules = {k: int(v) for k, v in data.get("rules", {}).items()}
    else:
        data = respond.read_body(req, schema.CREATE_V215 if version >= (2, 15)
                                 else schema.CREATE_V21)["server_group"]
        name, chosen, rules = data["name"], data["policies"][0], {}
    created = service.create(respond.state(req), respond.ctx(req), name, chosen, rules)
    respond.send(resp, view.one(version, created))


def _offset(req) -> int:
    value = respond.query(req, "offset")
    if value is None:
        return 0
    try:
        offset = int(value)
    except ValueError:
        raise errors.BadRequest(f"offset must be an integer, not '{value}'.") from None
    if offset < 0:
        raise errors.BadRequest("offset must be >= 0.")
    return offset


def list_server_groups(req, resp) -> None:
    respond.authorize(req, policy.INDEX)
    ctx = respond.ctx(req)
    project_id = ctx.project_id
    if respond.query(req, "all_projects") is not None and respond.query_bool(req,
                                                                             "all_projects"):
        try:
            respond.authorize(req, policy.INDEX_ALL_PROJECTS)
            project_id = None
        except errors.Forbidden:
            pass  # non-admins see their own project's groups
    limit = respond.query_limit(req, req.context.state.conf.api.max_limit)
    found = service.list_groups(respond.state(req), project_id, limit=limit,
                                offset=_offset(req))
    respond.send(resp, view.many(respond.version(req), found))


def show_server_group(req, resp, group_id: str) -> None:
    found = service.get(respond.state(req), group_id)
    _authorize_on(req, policy.SHOW, found)
    respond.send(resp, view.one(respond.version(req), found))


def delete_server_group(req, resp, group_id: str) -> None:
    found = service.get(respond.state(req), group_id)
    _authorize_on(req, policy.DELETE, found)
    service.delete(respond.state(req), found)
    respond.empty(resp, 204)
