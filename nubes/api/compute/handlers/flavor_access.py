"""Private flavors: ``GET /flavors/{id}/os-flavor-access`` and
``POST /flavors/{id}/action`` with addTenantAccess / removeTenantAccess."""
from __future__ import annotations

from nubes.api.compute.handlers import request
from nubes.api.compute.policies import flavors as policy
from nubes.api.compute.schemas import flavors as schema
from nubes.api.compute.service import flavors as service
from nubes.api.compute.views import flavors as view


def list_access(req, resp, flavor_id: str) -> None:
    request.authorize(req, policy.ACCESS_LIST)
    projects = service.access_list(request.state(req), request.ctx(req), flavor_id)
    request.send(resp, view.access(flavor_id, projects))


def flavor_action(req, resp, flavor_id: str) -> None:
    data = request.read_body(req, schema.ACTION)
    (action, args), = data.items()
    state, ctx = request.state(req), request.ctx(req)
    if action == "addTenantAccess":
        request.authorize(req, policy.ADD_TENANT_ACCESS)
        projects = service.add_access(state, ctx, flavor_id, args["tenant"],
                                      refuse_public=request.version(req) >= (2, 7))
    else:
        request.authorize(req, policy.REMOVE_TENANT_ACCESS)
        projects = service.remove_access(state, ctx, flavor_id, args["tenant"])
    request.send(resp, view.access(flavor_id, projects))
