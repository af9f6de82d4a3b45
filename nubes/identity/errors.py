"""Keystone's error body: ``{"error": {"code", "title", "message"}}``.

401s also carry ``WWW-Authenticate: Keystone uri="<identity URL>"`` as
Keystone's do.
"""
from __future__ import annotations

import orjson

from nubes.common.wsgi import errors
from nubes.identity import exceptions as exc

AUTH_REQUIRED = "The request you have made requires authentication."

_MAPPING: list[tuple[type[Exception], type[errors.HTTPError]]] = [
    (exc.AuthenticationFailed, errors.Unauthorized),
    (exc.TokenNotFound, errors.NotFound),
    (exc.NotFound, errors.NotFound),
    (exc.Forbidden, errors.Forbidden),
    (exc.Invalid, errors.BadRequest),
]


def map_exception(error: Exception) -> errors.HTTPError | None:
    for domain_cls, http_cls in _MAPPING:
        if isinstance(error, domain_cls):
            # Keystone does not say why authentication failed.
            detail = AUTH_REQUIRED if http_cls is errors.Unauthorized else str(error)
            return http_cls(detail)
    return None


def identity_url(req) -> str:
    """The identity URL clients use: configured, else the one this request came in on."""
    state = getattr(req.context, "state", None)
    configured = state.conf.identity.public_endpoint if state is not None else None
    return (configured or req.prefix).rstrip("/")


def render_error(req, error: errors.HTTPError) -> tuple[bytes, str]:
    if error.status == 401:
        # build_app copies the error's headers onto the response after this.
        error.headers.setdefault("WWW-Authenticate", f'Keystone uri="{identity_url(req)}"')
    body = {"error": {"code": error.status, "title": error.title, "message": error.detail}}
    return orjson.dumps(body), "application/json"
