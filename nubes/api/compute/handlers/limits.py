"""GET /limits[?tenant_id=P]: absolute limits (another project's for admins)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import limits as policy
from nubes.api.compute.service import limits as service
from nubes.api.compute.views import limits as view


def show_limits(req, resp) -> None:
    respond.authorize(req, policy.LIMITS)
    ctx = respond.ctx(req)
    project_id = respond.query(req, "tenant_id") or ctx.project_id
    if project_id != ctx.project_id:
        req.context.state.policy.authorize(ctx, policy.OTHER_PROJECT,
                                           {"project_id": project_id})
    respond.send(resp, view.limits(respond.version(req),
                                   service.for_project(respond.state(req), ctx, project_id)))
