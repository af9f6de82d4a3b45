"""GET /limits[?tenant_id=P]: absolute limits (another project's for admins)."""
from __future__ import annotations

from nubes.api.compute.handlers import request
from nubes.api.compute.policies import limits as policy
from nubes.api.compute.service import limits as service
from nubes.api.compute.views import limits as view


def show_limits(req, resp) -> None:
    request.authorize(req, policy.LIMITS)
    ctx = request.ctx(req)
    project_id = request.query(req, "tenant_id") or ctx.project_id
    if project_id != ctx.project_id:
        req.context.state.policy.authorize(ctx, policy.OTHER_PROJECT,
                                           {"project_id": project_id})
    request.send(resp, view.limits(request.version(req),
                                   service.for_project(request.state(req), ctx, project_id)))
