"""The server a sub-resource (metadata, tags, addresses, password,
volume attachments) or an update belongs to, with the caller authorized
against the server's own project: 404 for a server the caller's project
cannot see, 403 when policy refuses."""
from __future__ import annotations

from nubes.api.compute.handlers import respond
from nubes.api.compute.service import instance_cells
from nubes.api.compute.service import servers as service
from nubes.cells.records import InstanceMapping
from nubes.common.wsgi import errors

_NO_EXTRAS = service.Extras()


def _authorize(req, rule: str, project_id: str | None) -> None:
    state, ctx = respond.state(req), respond.ctx(req)
    try:
        state.policy.authorize(ctx, rule, {"project_id": project_id,
                                           "user_id": ctx.user_id})
    except errors.Forbidden:
        raise errors.Forbidden(f"Policy does not allow {rule} to be performed.") from None


def authorized(req, server_id: str, rule: str, *,
               extras: service.Extras = _NO_EXTRAS) -> service.Server:
    """The server as a show sees it (its cell row read), authorized."""
    server = service.find(respond.state(req), respond.ctx(req), server_id, extras=extras)
    _authorize(req, rule, server.instance.get("project_id"))
    return server


def authorized_mapping(req, server_id: str, rule: str) -> InstanceMapping:
    """Only the server's instance mapping (one read of the API database),
    authorized: for a service that reads the cell row itself, so that it
    is read once."""
    mapping = instance_cells.mapping_of(respond.state(req), server_id, respond.ctx(req))
    _authorize(req, rule, mapping.project_id)
    return mapping
