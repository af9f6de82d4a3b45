"""Assemble the identity WSGI application from a ConfigOpts.

Middleware: request id, state, CORS.  There is no auth middleware: token
issue and the version documents are public, and the handlers that need a
token check it themselves (they also need the token's claims).
"""
from __future__ import annotations

import dataclasses

from nubes.common import tokens
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import cors
from nubes.common.wsgi.request_id import RequestIdMiddleware
from nubes.identity import errors, routes, users_file


@dataclasses.dataclass
class IdentityState:
    """What every identity handler may reach through ``req.context.state``."""
    conf: object
    codec: tokens.TokenCodec
    users: users_file.UsersFile


def build(conf):
    """The identity app.  The secret and users files must exist
    (:func:`nubes.identity.bootstrap.ensure_files` makes them)."""
    state = IdentityState(conf=conf, codec=tokens.codec_from_conf(conf),
                          users=users_file.UsersFile(conf.identity.users_file))
    middleware = [
        RequestIdMiddleware(),
        wsgi_app.StateMiddleware(state),
        *cors.from_conf(conf),
    ]
    return wsgi_app.build_app(middleware=middleware, routes=routes.ROUTES,
                              render_error=errors.render_error,
                              map_exception=errors.map_exception)
