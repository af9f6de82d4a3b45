"""/servers/{id}/os-server-password: show the encrypted admin password
(``""`` when there is none), clear it (204)."""
from __future__ import annotations

from nubes.api.compute.handlers import respond, server_access
from nubes.api.compute.policies import server_password as policy
from nubes.api.compute.service import server_password as service


def show_password(req, resp, server_id: str) -> None:
    server = server_access.authorized(req, server_id, policy.SHOW)
    password = service.get(respond.state(req), respond.ctx(req), server.uuid)
    respond.send(resp, {"password": password})


def clear_password(req, resp, server_id: str) -> None:
    server = server_access.authorized(req, server_id, policy.CLEAR)
    service.clear(respond.state(req), respond.ctx(req), server.uuid)
    respond.empty(resp, 204)
