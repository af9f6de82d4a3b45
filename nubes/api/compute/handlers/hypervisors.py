"""/os-hypervisors: list, detail, show; before 2.88 statistics and uptime;
before 2.53 search and servers by hostname pattern."""
from __future__ import annotations

from nubes.api.compute import errors as compute_errors
from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import hypervisors as policy
from nubes.api.compute.service import cells
from nubes.api.compute.service import hypervisor_usage as usage_service
from nubes.api.compute.service import hypervisors as service
from nubes.api.compute.views import hypervisors as view
from nubes.common.wsgi import errors

_PATTERN = "hypervisor_hostname_pattern"


def _listing_params(req):
    """(pattern, with_servers, limit, marker, paged) for this microversion."""
    version = respond.version(req)
    pattern, with_servers, marker, paged = None, False, None, False
    limit = req.context.state.conf.api.max_limit
    if version >= (2, 53):
        pattern = respond.query(req, _PATTERN)
        with_servers = respond.query_bool(req, "with_servers")
        if pattern is not None and (respond.query(req, "limit") is not None
                                    or respond.query(req, "marker") is not None):
            raise errors.BadRequest("Paging over hypervisors with the "
                                    "hypervisor_hostname_pattern query parameter is not "
                                    "supported.")
    if version >= (2, 33) and pattern is None:
        paged = True
        limit = respond.query_limit(req, limit)
        text = respond.query(req, "marker")
        if text is not None:
            marker = (respond.parse_uuid(text, "marker") if version >= (2, 53)
                      else respond.parse_int(text, "marker"))
    return pattern, with_servers, limit, marker, paged


def _key(version):
    return (lambda hv: hv.node.uuid) if version >= (2, 53) else (lambda hv: hv.node.id)


def _usages(req, hypervisors):
    if respond.version(req) >= (2, 88):
        return {}
    return usage_service.usages_of(respond.state(req), hypervisors,
                                   cells.forwarded_request_id(respond.ctx(req)))


def _list(req, resp, *, detail: bool) -> None:
    version = respond.version(req)
    pattern, with_servers, limit, marker, paged = _listing_params(req)
    found = service.list_hypervisors(respond.state(req), respond.ctx(req), pattern=pattern,
                                     with_servers=with_servers)
    more = False
    if paged:
        found, more = service.page(found, _key(version), limit=limit, marker=marker)
    if detail:
        usages = _usages(req, found)
        body = {"hypervisors": [view.detail(version, hv, usages.get(hv.node.uuid))
                                for hv in found]}
    else:
        body = {"hypervisors": [view.summary(version, hv) for hv in found]}
    if more and found:
        path = "/os-hypervisors/detail" if detail else "/os-hypervisors"
        body["hypervisors_links"] = view.links(respond.url(req, path), limit,
                                               _key(version)(found[-1]))
    respond.send(resp, body)


def list_hypervisors(req, resp) -> None:
    respond.authorize(req, policy.LIST)
    _list(req, resp, detail=False)


def list_hypervisors_detail(req, resp) -> None:
    respond.authorize(req, policy.LIST_DETAIL)
    _list(req, resp, detail=True)


def _get(req, hypervisor_id: str, *, with_servers: bool):
    state, ctx = respond.state(req), respond.ctx(req)
    if respond.version(req) >= (2, 53):
        return service.get_by_uuid(state, ctx, respond.parse_uuid(hypervisor_id),
                                   with_servers=with_servers)
    try:
        node_id = int(hypervisor_id)
    except ValueError:
        node_id = -1
    if not 0 < node_id < 2**31:     # ids are 32-bit in every cell database
        raise errors.NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")
    return service.get_by_id(state, ctx, node_id, with_servers=with_servers)


def show_hypervisor(req, resp, hypervisor_id: str) -> None:
    respond.authorize(req, policy.SHOW)
    version = respond.version(req)
    with_servers = respond.query_bool(req, "with_servers") if version >= (2, 53) else False
    hv = _get(req, hypervisor_id, with_servers=with_servers)
    usage = _usages(req, [hv]).get(hv.node.uuid)
    respond.send(resp, {"hypervisor": view.detail(version, hv, usage, uptime=True)})


def hypervisor_statistics(req, resp) -> None:
    respond.require_version(req, (2, 1), (2, 87))
    respond.authorize(req, policy.STATISTICS)
    found = service.list_hypervisors(respond.state(req), respond.ctx(req))
    usages = _usages(req, found)
    respond.send(resp, {"hypervisor_statistics": usage_service.statistics(
        [usages[hv.node.uuid] for hv in found])})


def hypervisor_uptime(req, resp, hypervisor_id: str) -> None:
    respond.require_version(req, (2, 1), (2, 87))
    respond.authorize(req, policy.UPTIME)
    _get(req, hypervisor_id, with_servers=False)
    # The uptime comes from the compute agent, which this API does not call.
    raise compute_errors.NotImplementedFault(
        "Virt driver does not implement host uptime function.")


def search_hypervisors(req, resp, hypervisor_id: str) -> None:
    respond.require_version(req, (2, 1), (2, 52))
    respond.authorize(req, policy.SEARCH)
    found = service.list_hypervisors(respond.state(req), respond.ctx(req), pattern=hypervisor_id)
    version = respond.version(req)
    respond.send(resp, {"hypervisors": [view.summary(version, hv) for hv in found]})


def hypervisor_servers(req, resp, hypervisor_id: str) -> None:
    respond.require_version(req, (2, 1), (2, 52))
    respond.authorize(req, policy.SERVERS)
    found = service.list_hypervisors(respond.state(req), respond.ctx(req), pattern=hypervisor_id,
                                     with_servers=True)
    version = respond.version(req)
    respond.send(resp, {"hypervisors": [view.summary(version, hv) for hv in found]})
