"""Helpers shared by identity handlers."""
from __future__ import annotations

from nubes.common import tokens
from nubes.identity import errors
from nubes.identity.service import validation


def caller(req) -> tokens.TokenClaims:
    """The claims of the request's X-Auth-Token (401 without a good one)."""
    return validation.caller(req.context.state.codec, req.get_header("X-Auth-Token"))


def links(req) -> dict:
    return {"self": f"{errors.identity_url(req)}{req.path}", "previous": None, "next": None}
