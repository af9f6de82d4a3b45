"""/servers/{id}/tags (2.26+; 404 before): list, replace all (PUT
``{"tags": [...]}``), delete all; /servers/{id}/tags/{tag}: check (204 or
404), add (201 with a Location, 204 if it was there), delete.

Changes are refused (409) unless the server is active, paused, suspended
or stopped; a tag is 1-60 characters without '/' or ',' and a server has
at most 50 (400)."""
from __future__ import annotations

from urllib.parse import quote

from nubes.api.compute.handlers import respond, server_access
from nubes.api.compute.policies import server_tags as policy
from nubes.api.compute.schemas import server_tags as schema
from nubes.api.compute.service import server_tags as service
from nubes.api.compute.service import servers as server_service
from nubes.common.wsgi import errors

MIN_VERSION = (2, 26)
_WITH_TAGS = server_service.Extras(tags=True)


def list_tags(req, resp, server_id: str) -> None:
    respond.require_version(req, MIN_VERSION)
    server = server_access.authorized(req, server_id, policy.INDEX, extras=_WITH_TAGS)
    respond.send(resp, {"tags": sorted(server.tags)})


def replace_tags(req, resp, server_id: str) -> None:
    respond.require_version(req, MIN_VERSION)
    tags = respond.read_body(req, schema.REPLACE)["tags"]
    server = server_access.authorized(req, server_id, policy.UPDATE_ALL)
    stored = service.replace_all(respond.state(req), respond.ctx(req), server.uuid, tags)
    respond.send(resp, {"tags": stored})


def delete_tags(req, resp, server_id: str) -> None:
    respond.require_version(req, MIN_VERSION)
    server = server_access.authorized(req, server_id, policy.DELETE_ALL)
    service.delete_all(respond.state(req), respond.ctx(req), server.uuid)
    respond.empty(resp, 204)


def show_tag(req, resp, server_id: str, tag: str) -> None:
    respond.require_version(req, MIN_VERSION)
    server = server_access.authorized(req, server_id, policy.SHOW, extras=_WITH_TAGS)
    if tag not in server.tags:
        raise errors.NotFound(f"Server {server.uuid} has no tag '{tag}'")
    respond.empty(resp, 204)


def add_tag(req, resp, server_id: str, tag: str) -> None:
    respond.require_version(req, MIN_VERSION)
    schema.check_tag(tag)
    server = server_access.authorized(req, server_id, policy.UPDATE)
    if not service.add(respond.state(req), respond.ctx(req), server.uuid, tag):
        respond.empty(resp, 204)
        return
    resp.set_header("Location", respond.url(
        req, f"/servers/{server.uuid}/tags/{quote(tag, safe='')}"))
    respond.empty(resp, 201)


def delete_tag(req, resp, server_id: str, tag: str) -> None:
    respond.require_version(req, MIN_VERSION)
    server = server_access.authorized(req, server_id, policy.DELETE)
    service.delete(respond.state(req), respond.ctx(req), server.uuid, tag)
    respond.empty(resp, 204)
