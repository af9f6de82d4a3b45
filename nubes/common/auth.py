"""Authentication middleware.

``noauth2`` (development and tests) trusts headers the way a service
behind Keystone's auth middleware would: ``X-Auth-Token: admin`` (or
``admin:admin``, ``admin:<project>``) is the admin of project ``admin``
(or ``<project>``); any other token takes its identity from
``X-User-Id``, ``X-Project-Id``, ``X-Roles`` and ``OpenStack-System-Scope``.
``keystone`` relies on keystonemiddleware's ``auth_token`` having validated
the token and set the same headers (it wraps the app at the WSGI level;
see :func:`wrap_keystone`).  ``nubes_token`` checks the signed tokens of
the embedded identity service (:mod:`nubes.common.tokens`) locally, with
the secret in ``[identity] token_secret_file``: the identity comes from the
token alone and the identity headers are ignored.
"""
from __future__ import annotations

from nubes.common import tokens
from nubes.common.context import RequestContext
from nubes.common.wsgi import errors


def _roles(header: str | None) -> tuple[str, ...]:
    if not header:
        return ()
    return tuple(r.strip().lower() for r in header.split(",") if r.strip())


def _noauth2_admin(token: str | None) -> str | None:
    """The project of a noauth2 admin token: ``admin`` or ``admin:<project>``
    (the ``user:project`` form Nova's noauth2 takes; user ``admin`` is an
    admin), None for any other token."""
    user, _, project = (token or "").partition(":")
    return (project or "admin") if user == "admin" else None


NUBES_TOKEN = "nubes_token"


class AuthMiddleware:
    """Turns the request's identity headers into ``req.context.ctx``.

    ``public_paths`` answer without a token (version documents).
    """

    def __init__(self, conf, *, strategy: str, public_paths: frozenset[str] = frozenset({"/"})):
        self.conf = conf
        self.strategy = strategy
        self.public_paths = public_paths
        self._tokens = tokens.codec_from_conf(conf) if strategy == NUBES_TOKEN else None

    def process_request(self, req, resp) -> None:
        token = req.get_header("X-Auth-Token")
        ctx = RequestContext(request_id=req.context.request_id,
                             global_request_id=req.context.global_request_id,
                             auth_token=token, conf=self.conf)
        req.context.ctx = ctx
        if req.path in self.public_paths or req.method == "OPTIONS":
            return
        if self._tokens is not None:
            self._from_nubes_token(ctx, token)
            return
        if self.strategy == "keystone":
            if req.get_header("X-Identity-Status", default="Invalid") != "Confirmed":
                raise errors.Unauthorized("The request you have made requires authentication.")
        elif not token:
            raise errors.Unauthorized("The request you have made requires authentication.")
        admin_project = _noauth2_admin(token) if self.strategy == "noauth2" else None
        if admin_project is not None:
            ctx.user_id, ctx.project_id, ctx.roles = "admin", admin_project, ("admin",)
        else:
            ctx.user_id = req.get_header("X-User-Id")
            ctx.project_id = req.get_header("X-Project-Id")
            ctx.roles = _roles(req.get_header("X-Roles"))
            ctx.system_scope = req.get_header("OpenStack-System-Scope")
        ctx.is_admin = "admin" in ctx.roles

    def _from_nubes_token(self, ctx: RequestContext, token: str | None) -> None:
        try:
            claims = self._tokens.verify(token)
        except tokens.InvalidToken:
            headers = {}
            if self.conf.identity.public_endpoint:
                headers["WWW-Authenticate"] = f'Keystone uri="{self.conf.identity.public_endpoint}"'
            raise errors.Unauthorized("The request you have made requires authentication.",
                                      headers=headers) from None
        ctx.user_id, ctx.project_id, ctx.roles = claims.user_id, claims.project_id, claims.roles
        ctx.is_admin = "admin" in ctx.roles


def outermost(app, conf, public_paths: frozenset[str] = frozenset({"/"})):
    """``app`` as served: behind keystonemiddleware's auth_token when
    ``[api] auth_strategy = keystone``, else as it is (its own
    :class:`AuthMiddleware` checks tokens)."""
    if conf.api.auth_strategy == "keystone":
        return wrap_keystone(app, conf, public_paths=public_paths)
    return app


# What auth_token sets; a request that does not pass through it loses them.
_IDENTITY_ENVIRON = ("HTTP_X_IDENTITY_STATUS", "HTTP_X_USER_ID", "HTTP_X_PROJECT_ID",
                     "HTTP_X_ROLES", "HTTP_OPENSTACK_SYSTEM_SCOPE",
                     "HTTP_X_SERVICE_IDENTITY_STATUS", "HTTP_X_SERVICE_ROLES")


def wrap_keystone(app, conf, *, public_paths: frozenset[str] = frozenset({"/"})):
    """Put keystonemiddleware's auth_token in front of ``app``, except for
    ``public_paths`` (the version documents clients discover without a
    token) and CORS preflights, which OpenStack's APIs serve outside
    auth_token too."""
    try:
        from keystonemiddleware import auth_token
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise RuntimeError("[api] auth_strategy = keystone needs keystonemiddleware: "
                           "pip install 'nubes[keystone]'") from exc
    protected = auth_token.AuthProtocol(app, {"oslo_config_config": conf})

    def application(environ, start_response):
        if (environ.get("PATH_INFO") or "/") in public_paths or \
                environ.get("REQUEST_METHOD") == "OPTIONS":
            for key in _IDENTITY_ENVIRON:
                environ.pop(key, None)
            return app(environ, start_response)
        return protected(environ, start_response)
    return application
