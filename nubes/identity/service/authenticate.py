"""POST /v3/auth/tokens: credentials and a scope in, a signed token out.

Methods: ``password`` (user by id, or by name in domain Default) and
``token`` (re-scoping a token this service issued; the new token keeps its
expiry).  Scope: a project by id, or by name in domain Default, or none
(an unscoped token, which no API accepts for work).  Domain and system
scopes are not offered: every user and project lives in Default.
"""
from __future__ import annotations

from nubes.common import tokens
from nubes.identity import exceptions, passwords
from nubes.identity.users_file import DOMAIN_ID, DOMAIN_NAME, Directory, Project, User


def _check_domain(ref: dict | None, what: str) -> None:
    if not ref or not (ref.get("id") == DOMAIN_ID or ref.get("name") == DOMAIN_NAME):
        raise exceptions.AuthenticationFailed(f"{what} must be in domain {DOMAIN_NAME}")


def _password_user(directory: Directory, password_auth: dict) -> User:
    ref = password_auth["user"]
    secret = ref.get("password") or ""
    if "id" in ref:
        user = directory.find_user(id=ref["id"])
    else:
        _check_domain(ref.get("domain"), "the user")
        user = directory.find_user(name=ref.get("name"))
    if user is None:
        passwords.burn_time(secret)
        raise exceptions.AuthenticationFailed("no such user")
    if not passwords.verify_password(secret, user.password_hash) or not user.enabled:
        raise exceptions.AuthenticationFailed("wrong password or disabled user")
    return user


def _token_user(directory: Directory, codec: tokens.TokenCodec,
                token_auth: dict) -> tuple[User, tokens.TokenClaims]:
    try:
        parent = codec.verify(token_auth["id"])
    except tokens.InvalidToken as exc:
        raise exceptions.AuthenticationFailed(str(exc)) from None
    user = directory.find_user(id=parent.user_id)
    if user is None or not user.enabled:
        raise exceptions.AuthenticationFailed("the token's user is gone or disabled")
    return user, parent


def _scope_project(directory: Directory, scope: dict | str | None) -> Project | None:
    if not scope or scope == "unscoped":
        return None
    if "project" not in scope:
        raise exceptions.AuthenticationFailed("only project scope is offered")
    ref = scope["project"]
    if "id" in ref:
        project = directory.find_project(id=ref["id"])
    else:
        _check_domain(ref.get("domain"), "the project")
        project = directory.find_project(name=ref.get("name"))
    if project is None or not project.enabled:
        raise exceptions.AuthenticationFailed("no such project")
    return project


def issue(directory: Directory, codec: tokens.TokenCodec, auth: dict,
          *, ttl: int) -> tuple[str, tokens.TokenClaims]:
    """A token for ``auth`` (the validated ``auth`` object of the request)."""
    identity = auth["identity"]
    methods = identity["methods"]
    parent = None
    if "password" in methods and "password" in identity:
        user = _password_user(directory, identity["password"])
    elif "token" in methods and "token" in identity:
        user, parent = _token_user(directory, codec, identity["token"])
    else:
        raise exceptions.AuthenticationFailed(f"unsupported methods {methods}")
    project = _scope_project(directory, auth.get("scope"))
    roles: tuple[str, ...] = ()
    if project is not None:
        roles = directory.effective_roles(user, project)
        if not roles:
            raise exceptions.AuthenticationFailed("the user has no role on the project")
    return codec.issue(user_id=user.id, user_name=user.name,
                       project_id=project.id if project else None,
                       project_name=project.name if project else None,
                       roles=roles, methods=("token",) if parent else ("password",),
                       ttl=ttl, parent=parent)
