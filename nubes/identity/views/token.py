"""The token as Keystone shows it in POST/GET /v3/auth/tokens."""
from __future__ import annotations

import datetime

from nubes.common import tokens
from nubes.identity.users_file import DOMAIN_ID, DOMAIN_NAME, derived_id

DOMAIN = {"id": DOMAIN_ID, "name": DOMAIN_NAME}


def timestamp(value: datetime.datetime) -> str:
    """Keystone's token time format: microseconds and a Z."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def role_refs(roles) -> list[dict]:
    return [{"id": derived_id("role", name), "name": name} for name in roles]


def token_body(claims: tokens.TokenClaims, catalog: list[dict] | None) -> dict:
    """``catalog`` None leaves it out (unscoped tokens, ``?nocatalog``)."""
    token: dict = {
        "methods": list(claims.methods),
        "user": {"id": claims.user_id, "name": claims.user_name, "domain": dict(DOMAIN),
                 "password_expires_at": None},
        "audit_ids": list(claims.audit_ids),
        "issued_at": timestamp(claims.issued_at),
        "expires_at": timestamp(claims.expires_at),
    }
    if claims.is_scoped:
        token["project"] = {"id": claims.project_id, "name": claims.project_name,
                            "domain": dict(DOMAIN)}
        token["is_domain"] = False
        token["roles"] = role_refs(claims.roles)
    if catalog is not None:
        token["catalog"] = catalog
    return {"token": token}
