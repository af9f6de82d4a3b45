"""/servers/{id}/ips and /servers/{id}/ips/{network_label}.

nubes has no networking service: a server has no addresses, so the list
is ``{"addresses": {}}`` and every network label is a 404."""
from __future__ import annotations

from nubes.api.compute.handlers import respond, server_access
from nubes.api.compute.policies import server_ips as policy
from nubes.common.wsgi import errors


def list_ips(req, resp, server_id: str) -> None:
    server_access.authorized(req, server_id, policy.INDEX)
    respond.send(resp, {"addresses": {}})


def show_ips(req, resp, server_id: str, network_label: str) -> None:
    server_access.authorized(req, server_id, policy.SHOW)
    raise errors.NotFound("Instance is not a member of specified network")
