"""GET /v3/users[?name=&domain_id=&enabled=] and GET /v3/users/{user_id}:
the reads ``openstack user list`` / ``user show`` and the ``--user``
options of other commands make.  Keystone's default policies: listing is
for admins (``identity:list_users``); showing for admins and the user
themself (``identity:get_user``)."""
from __future__ import annotations

from nubes.common.wsgi import body
from nubes.identity import errors, exceptions
from nubes.identity.handlers import respond
from nubes.identity.service import validation
from nubes.identity.users_file import DOMAIN_ID
from nubes.identity.views.user import user_view


def show_user(req, resp, user_id: str) -> None:
    claims = respond.caller(req)
    user = req.context.state.users.directory().find_user(id=user_id)
    if user is None:
        raise exceptions.NotFound(f"Could not find user: {user_id}.")
    validation.require_admin_or_self(claims, user.id, "identity:get_user")
    body.send_json(resp, {"user": user_view(user, errors.identity_url(req))})


def list_users(req, resp) -> None:
    claims = respond.caller(req)
    validation.require_admin(claims, "identity:list_users")
    users = list(req.context.state.users.directory().users_by_id.values())
    name, domain_id = req.get_param("name"), req.get_param("domain_id")
    enabled = req.get_param("enabled")
    if name is not None:
        users = [u for u in users if u.name == name]
    if domain_id is not None and domain_id != DOMAIN_ID:
        users = []
    if enabled is not None:
        # Keystone: "0" and "false" (any case) are false, anything else true.
        wanted = enabled.lower() not in ("0", "false")
        users = [u for u in users if u.enabled == wanted]
    url = errors.identity_url(req)
    body.send_json(resp, {"users": [user_view(u, url) for u in sorted(users,
                                                                     key=lambda u: u.name)],
                          "links": respond.links(req)})
