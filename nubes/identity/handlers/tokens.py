"""/v3/auth/tokens: issue (POST), validate (GET), check (HEAD), revoke (DELETE)."""
from __future__ import annotations

from nubes.common import tokens
from nubes.common.wsgi import body
from nubes.identity import errors
from nubes.identity.handlers import respond
from nubes.identity.schemas import auth as schema
from nubes.identity.service import authenticate, catalog, validation
from nubes.identity.views.token import token_body

SUBJECT = "X-Subject-Token"


def _body(req, claims: tokens.TokenClaims) -> dict:
    entries = None
    if claims.is_scoped and "nocatalog" not in req.params:
        entries = catalog.build(req.context.state.conf, identity_url=errors.identity_url(req),
                                project_id=claims.project_id)
    return token_body(claims, entries)


def issue_token(req, resp) -> None:
    data = body.read_json(req, schema.ISSUE_TOKEN)
    state = req.context.state
    token_id, claims = authenticate.issue(state.users.directory(), state.codec, data["auth"],
                                          ttl=state.conf.identity.token_expiration)
    resp.set_header(SUBJECT, token_id)
    body.send_json(resp, _body(req, claims), 201)


def _subject(req) -> tuple[str, tokens.TokenClaims]:
    token_id = req.get_header(SUBJECT)
    return token_id, validation.subject(req.context.state.codec, respond.caller(req), token_id)


def validate_token(req, resp) -> None:
    token_id, claims = _subject(req)
    resp.set_header(SUBJECT, token_id)
    body.send_json(resp, _body(req, claims))


def check_token(req, resp) -> None:
    token_id, _ = _subject(req)
    resp.set_header(SUBJECT, token_id)
    resp.status = 200


def revoke_token(req, resp) -> None:
    validation.revoke(req.context.state.codec, respond.caller(req), req.get_header(SUBJECT))
    resp.status = 204
