"""/v3/auth/catalog, /v3/auth/projects and /v3/auth/domains: what the
caller's token may use."""
from __future__ import annotations

from nubes.common.wsgi import body
from nubes.identity import errors
from nubes.identity.handlers import respond
from nubes.identity.service import catalog, validation
from nubes.identity.views.project import project_view


def get_catalog(req, resp) -> None:
    claims = respond.caller(req)
    validation.require_project_scope(claims)
    entries = catalog.build(req.context.state.conf, identity_url=errors.identity_url(req),
                            project_id=claims.project_id)
    body.send_json(resp, {"catalog": entries, "links": respond.links(req)})


def list_projects(req, resp) -> None:
    claims = respond.caller(req)
    projects = validation.projects_of(req.context.state.users.directory(), claims)
    url = errors.identity_url(req)
    body.send_json(resp, {"projects": [project_view(p, url) for p in projects],
                          "links": respond.links(req)})


def list_domains(req, resp) -> None:
    """No user holds a role on a domain here."""
    respond.caller(req)
    body.send_json(resp, {"domains": [], "links": respond.links(req)})
