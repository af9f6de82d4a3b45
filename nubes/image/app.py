"""Assemble the image API WSGI application from a ConfigOpts."""
from __future__ import annotations

import dataclasses

from nubes.common import auth, policy
from nubes.common.db.transaction import Database
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import cors
from nubes.common.wsgi.request_id import RequestIdMiddleware
from nubes.image import errors, policies, routes
from nubes.image import store as stores

PUBLIC_PATHS = frozenset({"/", "/versions"})


@dataclasses.dataclass
class ImageState:
    """What every image handler may reach through ``req.context.state``."""
    conf: object
    db: Database
    policy: policy.Enforcer
    store: stores.Store


def database_from_conf(conf) -> Database:
    return Database.from_group(conf, "image_database")


def build(conf, db: Database | None = None, store: stores.Store | None = None):
    """The image app; the schema must exist (``nubes-manage db sync`` or
    ``nubes.image.schema_sync.upgrade``).  Image data goes to ``store``,
    by default the one ``[image_store]`` describes."""
    state = ImageState(conf=conf, db=db or database_from_conf(conf),
                       policy=policy.Enforcer(conf, policies.list_rules()),
                       store=store or stores.from_conf(conf))
    middleware = [
        RequestIdMiddleware(),
        wsgi_app.StateMiddleware(state),
        *cors.from_conf(conf),
        auth.AuthMiddleware(conf, strategy=conf.api.auth_strategy, public_paths=PUBLIC_PATHS),
    ]
    app = wsgi_app.build_app(middleware=middleware, routes=routes.ROUTES,
                             render_error=errors.render_error,
                             map_exception=errors.map_exception)
    return auth.outermost(app, conf, public_paths=PUBLIC_PATHS)
