"""The server a sub-resource (metadata, tags, addresses, password) or an
update belongs to, with the caller authorized against the server's own
project: 404 for a server the caller's project cannot see, 403 when policy
refuses."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.service import servers as service
from nubes.common.wsgi import errors

_NO_EXTRAS = service.Extras()


def authorized(req, server_id: str, rule: str, *,
               extras: service.Extras = _NO_EXTRAS) -> service.Server:
    state, ctx = respond.state(req), respond.ctx(req)
    server = service.find(state, ctx, server_id, extras=extras)
    try:
        state.policy.authorize(ctx, rule, {"project_id": server.instance.get("project_id"),
                                           "user_id": ctx.user_id})
    except errors.Forbidden:
        raise errors.Forbidden(f"Policy does not allow {rule} to be performed.") from None
    return server
