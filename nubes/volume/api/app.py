"""Assemble the Block Storage v3 WSGI application from a ConfigOpts."""
from __future__ import annotations

import dataclasses

from nubes.common import auth, policy
from nubes.common.db.transaction import Database
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import cors
from nubes.common.wsgi.microversion import MicroversionMiddleware
from nubes.common.wsgi.request_id import RequestIdMiddleware
from nubes.volume.api import errors, microversions, policies, routes
from nubes.volume.api.service import backend_work, volume_types

PUBLIC_PATHS = frozenset({"/", "/v3", "/v3/"})


@dataclasses.dataclass
class VolumeState:
    """What every volume handler may reach through ``req.context.state``."""
    conf: object
    db: Database
    policy: policy.Enforcer
    work: backend_work.BackendWork


def database_from_conf(conf) -> Database:
    return Database.from_group(conf, "volume_database")


def build_state(conf, db: Database | None = None) -> VolumeState:
    """The app's shared objects; the schema must exist
    (``nubes.volume.schema_sync.upgrade``).  Makes the default volume
    type when it is missing."""
    db = db or database_from_conf(conf)
    volume_types.ensure_default(db, conf)
    return VolumeState(conf=conf, db=db, policy=policy.Enforcer(conf, policies.list_rules()),
                       work=backend_work.BackendWork.from_conf(conf, db))


def build(conf, db: Database | None = None, *, state: VolumeState | None = None):
    state = state or build_state(conf, db)
    middleware = [
        RequestIdMiddleware(),
        wsgi_app.StateMiddleware(state),
        *cors.from_conf(conf),
        auth.AuthMiddleware(conf, strategy=conf.api.auth_strategy, public_paths=PUBLIC_PATHS),
        MicroversionMiddleware("volume", microversions.MIN, microversions.MAX),
    ]
    app = wsgi_app.build_app(middleware=middleware, routes=routes.ROUTES,
                             render_error=errors.render_error,
                             map_exception=errors.map_exception)
    return auth.outermost(app, conf, public_paths=PUBLIC_PATHS)
