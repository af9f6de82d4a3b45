"""Checking the caller's token and the subject token of GET/HEAD/DELETE
/v3/auth/tokens and the /v3/auth/* listings."""
from __future__ import annotations

from nubes.common import tokens
from nubes.identity import exceptions
from nubes.identity.users_file import Directory, Project

# Roles that may look at (and revoke) other users' tokens.
_TOKEN_ADMIN_ROLES = frozenset({"admin", "service"})


def caller(codec: tokens.TokenCodec, token: str | None) -> tokens.TokenClaims:
    """The claims of the X-Auth-Token; 401 when it is missing or no good."""
    try:
        return codec.verify(token)
    except tokens.InvalidToken as exc:
        raise exceptions.AuthenticationFailed(str(exc)) from None


def subject(codec: tokens.TokenCodec, caller_claims: tokens.TokenClaims,
            token: str | None) -> tokens.TokenClaims:
    """The claims of the X-Subject-Token, if the caller may see them: its
    own tokens always, anybody's with an admin or service role."""
    if not token:
        raise exceptions.Invalid("X-Subject-Token is required")
    try:
        claims = codec.verify(token)
    except tokens.InvalidToken:
        raise exceptions.TokenNotFound(f"Could not find token: {token}") from None
    if claims.user_id != caller_claims.user_id and not (
            _TOKEN_ADMIN_ROLES & set(caller_claims.roles)):
        raise exceptions.Forbidden("You are not authorized to perform the requested action: "
                                   "identity:validate_token.")
    return claims


def revoke(codec: tokens.TokenCodec, caller_claims: tokens.TokenClaims,
           token: str | None) -> None:
    codec.revocations.revoke(subject(codec, caller_claims, token))


def projects_of(directory: Directory, claims: tokens.TokenClaims) -> list[Project]:
    user = directory.find_user(id=claims.user_id)
    return directory.projects_of(user) if user is not None and user.enabled else []


def visible_projects(directory: Directory, claims: tokens.TokenClaims) -> list[Project]:
    """Every project for a token with an admin role, else the caller's own."""
    if is_admin(claims):
        return list(directory.projects_by_id.values())
    return projects_of(directory, claims)


def is_admin(claims: tokens.TokenClaims) -> bool:
    return "admin" in claims.roles


def require_admin(claims: tokens.TokenClaims, action: str) -> None:
    if not is_admin(claims):
        raise exceptions.Forbidden(f"You are not authorized to perform the requested "
                                   f"action: {action}.")


def require_admin_or_self(claims: tokens.TokenClaims, user_id: str, action: str) -> None:
    if claims.user_id != user_id:
        require_admin(claims, action)


def require_project_scope(claims: tokens.TokenClaims) -> None:
    if not claims.is_scoped:
        raise exceptions.Forbidden("A project-scoped token is required to produce a "
                                   "service catalog.")
