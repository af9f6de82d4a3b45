"""Private flavors: ``GET /flavors/{id}/os-flavor-access`` and
``POST /flavors/{id}/action`` with addTenantAccess / removeTenantAccess."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import flavors as policy
from nubes.api.compute.schemas import flavors as schema
from nubes.api.compute.service import flavors as service
from nubes.api.compute.views import flavors as view


def list_access(req, resp, flavor_id: str) -> None:
    respond.authorize(req, policy.ACCESS_LIST)
    projects = service.access_list(respond.state(req), respond.ctx(req), flavor_id)
    respond.send(resp, view.access(flavor_id, projects))


def flavor_action(req, resp, flavor_id: str) -> None:
    data = respond.read_body(req, schema.ACTION)
    (action, args), = data.items()
    state, ctx = respond.state(req), respond.ctx(req)
    if action == "addTenantAccess":
        respond.authorize(req, policy.ADD_TENANT_ACCESS)
        projects = service.add_access(state, ctx, flavor_id, args["tenant"],
                                      refuse_public=respond.version(req) >= (2, 7))
    else:
        respond.authorize(req, policy.REMOVE_TENANT_ACCESS)
        projects = service.remove_access(state, ctx, flavor_id, args["tenant"])
    respond.send(resp, view.access(flavor_id, projects))
