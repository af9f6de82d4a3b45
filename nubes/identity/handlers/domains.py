"""GET /v3/domains[?name=&enabled=] and GET /v3/domains/{domain_id}: the
lookups ``openstack ... --domain <name or id>`` makes first.  There is one
domain, ``Default`` (id ``default``).  Keystone's default policies: listing
is for admins (``identity:list_domains``); any project-scoped token may
show its project's domain (``identity:get_domain``), which here is the
only one."""
from __future__ import annotations

from nubes.common.wsgi import body
from nubes.identity import errors, exceptions
from nubes.identity.handlers import respond
from nubes.identity.service import validation
from nubes.identity.users_file import DOMAIN_ID, DOMAIN_NAME
from nubes.identity.views.domain import domain_view


def show_domain(req, resp, domain_id: str) -> None:
    claims = respond.caller(req)
    if domain_id != DOMAIN_ID:
        raise exceptions.NotFound(f"Could not find domain: {domain_id}.")
    if not claims.is_scoped:
        validation.require_admin(claims, "identity:get_domain")
    body.send_json(resp, {"domain": domain_view(errors.identity_url(req))})


def list_domains(req, resp) -> None:
    claims = respond.caller(req)
    validation.require_admin(claims, "identity:list_domains")
    name, enabled = req.get_param("name"), req.get_param("enabled")
    found = (name is None or name == DOMAIN_NAME) and (
        enabled is None or enabled.lower() not in ("0", "false"))
    body.send_json(resp, {"domains": [domain_view(errors.identity_url(req))] if found else [],
                          "links": respond.links(req)})
