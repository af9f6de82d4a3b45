"""/os-quota-sets/{tenant_id}: show (``user_id`` for a user's limits),
``/detail`` (with usage), ``/defaults``; update and revert (admin)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import quota_sets as policy
from nubes.api.compute.schemas import common
from nubes.api.compute.schemas import quota_sets as schema
from nubes.api.compute.service import quota_sets as service
from nubes.api.compute.views import quota_sets as view
from nubes.common.wsgi import errors


def checked_id(value: str, what: str) -> str:
    """A project, user or class id as the URL or query gives it; 400 when
    empty or longer than the ids OpenStack keeps."""
    if not value or len(value) > schema.ID_LENGTH:
        raise errors.BadRequest(f"Invalid {what} '{value[:schema.ID_LENGTH]}'.")
    return value


def limits_of(data: dict) -> dict[str, int]:
    """The limits of an update body (validated by the schema), as ints;
    400 past the database's integer range.  The network quotas of old
    microversions are dropped: there is nothing to limit."""
    found = {}
    for name, value in data.items():
        if name not in service.RESOURCES:
            continue
        limit = int(value)
        if not -1 <= limit <= schema.MAX_LIMIT:
            raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: "
                                    f"{value}. {limit} is not within -1 and "
                                    f"{schema.MAX_LIMIT}")
        found[name] = limit
    return found


def _scope(req, action: str, tenant_id: str) -> tuple[str, str | None]:
    """The project and user (``user_id`` query) of the request, authorized."""
    project_id = checked_id(tenant_id, "tenant_id")
    user_id = respond.query(req, "user_id")
    if user_id is not None:
        user_id = checked_id(user_id, "user_id")
    ctx = respond.ctx(req)
    req.context.state.policy.authorize(ctx, action, {"project_id": project_id,
                                                     "user_id": user_id or ctx.user_id})
    return project_id, user_id


def show_quota_set(req, resp, tenant_id: str) -> None:
    project_id, user_id = _scope(req, policy.SHOW, tenant_id)
    respond.send(resp, view.quota_set(respond.version(req),
                                      service.show(respond.state(req), project_id, user_id),
                                      project_id))


def show_quota_set_detail(req, resp, tenant_id: str) -> None:
    project_id, user_id = _scope(req, policy.DETAIL, tenant_id)
    found = service.detail(respond.state(req), respond.ctx(req), project_id, user_id)
    respond.send(resp, view.quota_set_detail(respond.version(req), found, project_id))


def show_quota_defaults(req, resp, tenant_id: str) -> None:
    project_id = checked_id(tenant_id, "tenant_id")
    ctx = respond.ctx(req)
    req.context.state.policy.authorize(ctx, policy.DEFAULTS, {"project_id": project_id,
                                                              "user_id": ctx.user_id})
    respond.send(resp, view.quota_set(respond.version(req),
                                      service.defaults(respond.state(req)), project_id))


def update_quota_set(req, resp, tenant_id: str) -> None:
    project_id, user_id = _scope(req, policy.UPDATE, tenant_id)
    version = respond.version(req)
    data = respond.read_body(req, schema.update_quota_set(version))["quota_set"]
    force = common.to_bool(data.get("force", False))
    limits = service.update(respond.state(req), respond.ctx(req), project_id, user_id,
                            limits_of(data), force=force)
    respond.send(resp, view.quota_set(version, limits))


def delete_quota_set(req, resp, tenant_id: str) -> None:
    project_id, user_id = _scope(req, policy.DELETE, tenant_id)
    service.revert(respond.state(req), project_id, user_id)
    respond.empty(resp, 202)
