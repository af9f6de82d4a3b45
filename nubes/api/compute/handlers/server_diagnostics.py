"""``GET /servers/{id}/diagnostics`` (admin): what the server's host says of
its guest; from 2.48 in the standard format, before it in the driver's own."""
from __future__ import annotations

import dataclasses

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import server_actions as policy
from nubes.api.compute.service import server_guest_calls
from nubes.api.compute.service import servers as server_service


def show_diagnostics(req, resp, server_id: str) -> None:
    state, ctx = respond.state(req), respond.ctx(req)
    server = server_service.find(state, ctx, server_id)
    state.policy.authorize(ctx, policy.DIAGNOSTICS,
                           {"project_id": server.instance.get("project_id"),
                            "user_id": ctx.user_id})
    found = server_guest_calls.diagnostics(state, ctx, server.uuid)
    if respond.version(req) < (2, 48):
        respond.send(resp, dict(found.legacy))
        return
    view = dataclasses.asdict(found)
    del view["legacy"]
    respond.send(resp, view)
