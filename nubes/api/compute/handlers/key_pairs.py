"""/os-keypairs: create or import, list (2.35 paging), show, delete; the
caller's own key pairs, another user's with ``user_id`` (2.10+, admin)."""
from __future__ import annotations

import re
import urllib.parse

from nubes.api.compute.handlers import respond
from nubes.api.compute.policies import key_pairs as policy
from nubes.api.compute.schemas import key_pairs as schema
from nubes.api.compute.service import key_pairs as service
from nubes.api.compute.views import key_pairs as view
from nubes.common.wsgi import errors


def _authorize(req, action: str, user_id: str) -> None:
    ctx = respond.ctx(req)
    req.context.state.policy.authorize(ctx, action, {"user_id": user_id,
                                                     "project_id": ctx.project_id})


def _user(req, action: str) -> str:
    user_id = respond.ctx(req).user_id
    if respond.version(req) >= (2, 10):
        user_id = respond.query(req, "user_id") or user_id
    _authorize(req, action, user_id)
    return user_id


def _schema(version) -> dict:
    if version >= (2, 92):
        return schema.CREATE_V292
    if version >= (2, 10):
        return schema.CREATE_V210
    return schema.CREATE_V22 if version >= (2, 2) else schema.CREATE_V21


def create_keypair(req, resp) -> None:
    version = respond.version(req)
    data = respond.read_body(req, _schema(version))["keypair"]
    user_id = data.get("user_id") or respond.ctx(req).user_id
    _authorize(req, policy.CREATE, user_id)
    pattern = schema.SAFE_NAME_V292 if version >= (2, 92) else schema.SAFE_NAME
    if not re.match(pattern, data["name"]):
        raise errors.BadRequest("Keypair data is invalid: Keypair name contains unsafe "
                                "characters")
    try:
        made = service.create(respond.state(req), user_id, data["name"],
                              data.get("type", "ssh"), data.get("public_key"),
                              project_id=respond.ctx(req).project_id)
    except service.OverQuota as error:
        raise errors.Forbidden(str(error)) from None
    respond.send(resp, view.created(version, made.keypair, made.private_key),
                 status=201 if version >= (2, 2) else 200)


def list_keypairs(req, resp) -> None:
    version = respond.version(req)
    user_id = _user(req, policy.INDEX)
    limit = marker = None
    if version >= (2, 35):
        if respond.query(req, "limit") is not None:
            limit = respond.query_limit(req, req.context.state.conf.api.max_limit)
        marker = respond.query(req, "marker")
    found = service.list_for_user(respond.state(req), user_id, limit=limit, marker=marker)
    next_href = None
    if limit is not None and found and len(found) >= limit:
        params = [(k, v) for k, v in req.params.items() if k != "marker"]
        next_href = respond.url(req, "/os-keypairs") + "?" + urllib.parse.urlencode(
            [*params, ("marker", found[-1].name)])
    respond.send(resp, view.many(version, found, next_href))


def show_keypair(req, resp, name: str) -> None:
    user_id = _user(req, policy.SHOW)
    respond.send(resp, view.shown(respond.version(req),
                                  service.get(respond.state(req), user_id, name)))


def delete_keypair(req, resp, name: str) -> None:
    user_id = _user(req, policy.DELETE)
    service.delete(respond.state(req), user_id, name)
    respond.empty(resp, 204 if respond.version(req) >= (2, 2) else 202)
