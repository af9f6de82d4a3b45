"""What the identity service layer raises; ``errors.py`` maps it to HTTP."""
from __future__ import annotations


class IdentityError(Exception):
    pass


class AuthenticationFailed(IdentityError):
    """Bad or missing credentials, or no role on the requested scope (401)."""


class TokenNotFound(IdentityError):
    """The subject token is unknown, expired or revoked (404)."""


class NotFound(IdentityError):
    """No such project (404)."""


class Forbidden(IdentityError):
    """Authenticated, but not allowed (403)."""


class Invalid(IdentityError):
    """A request the service cannot make sense of (400)."""
