"""Assemble the placement WSGI application from a ConfigOpts."""
from __future__ import annotations

import dataclasses
import logging

from nubes.common import auth, policy
from nubes.common.db.transaction import Database
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import cors
from nubes.common.wsgi.microversion import MicroversionMiddleware
from nubes.common.wsgi.request_id import RequestIdMiddleware
from nubes.placement import errors, microversions, negotiation, policies, routes, uuids
from nubes.placement.service import standard_names

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class PlacementState:
    """What every placement handler may reach through ``req.context.state``."""
    conf: object
    db: Database
    policy: policy.Enforcer


def database_from_conf(conf) -> Database:
    return Database.from_group(conf, "placement_database")


def build(conf, db: Database | None = None, *, sync_names: bool = True):
    """Build the placement app.  The schema must exist (``nubes-manage db
    sync``); standard classes and traits are synced here."""
    db = db or database_from_conf(conf)
    if sync_names:
        standard_names.sync(db)
        # Servers that fork workers after building the app (gunicorn
        # --preload) must not share the pooled connections the sync used.
        db.engine.dispose()
    state = PlacementState(conf=conf, db=db,
                           policy=policy.Enforcer(conf, policies.list_rules()))
    cors_middleware = cors.from_conf(conf)
    middleware = [
        RequestIdMiddleware(),
        wsgi_app.StateMiddleware(state),
        *cors_middleware,
        auth.AuthMiddleware(conf, strategy=conf.api.auth_strategy),
        MicroversionMiddleware("placement", microversions.MINIMUM, microversions.MAXIMUM,
                               vary="openstack-api-version"),
        negotiation.MediaTypeMiddleware(),
        uuids.PathUUIDMiddleware(),
    ]
    # Without CORS, OPTIONS is a method like any other the routes lack: 405.
    app = wsgi_app.build_app(
        middleware=middleware, routes=routes.ROUTES, render_error=errors.render_error,
        map_exception=errors.map_exception,
        method_not_allowed=None if cors_middleware else errors.method_not_allowed)
    # Bodiless answers (201s, 204s) carry no Content-Type; every body sets its own.
    app.resp_options.default_media_type = None
    return auth.outermost(app, conf)
