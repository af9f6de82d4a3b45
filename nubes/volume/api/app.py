"""Assemble the Block Storage v3 WSGI application from a ConfigOpts."""
from __future__ import annotations

import dataclasses

from nubes.common import auth, policy, rpc
from nubes.common.db.transaction import Database
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import cors
from nubes.common.wsgi.microversion import MicroversionMiddleware
from nubes.common.wsgi.request_id import RequestIdMiddleware
from nubes.volume import images
from nubes.volume.api import errors, microversions, policies, routes
from nubes.volume.api.service import volume_types
from nubes.volume.backends import Backends
from nubes.volume.manager.rpcapi import VolumeManagerAPI

PUBLIC_PATHS = frozenset({"/", "/v3", "/v3/"})


@dataclasses.dataclass
class VolumeState:
    """What every volume handler may reach through ``req.context.state``:
    the backends' pools (capacity, connections) are read here; their slow
    work goes to the volume manager (``managers``)."""
    conf: object
    db: Database
    policy: policy.Enforcer
    backends: Backends
    managers: VolumeManagerAPI
    images: object | None = None          # the image API's client
    _own_transport: rpc.Transport | None = None

    def close(self) -> None:
        if self.images is not None:
            self.images.close()
        if self._own_transport is not None:
            self._own_transport.close()


def database_from_conf(conf) -> Database:
    return Database.from_group(conf, "volume_database")


def transport_from_conf(conf) -> rpc.Transport:
    """The bus to the volume managers: ``[volume] transport_url``, else
    ``[DEFAULT] transport_url``."""
    return rpc.from_conf(conf, conf.volume.transport_url or None)


def build_state(conf, db: Database | None = None, *,
                transport: rpc.Transport | None = None) -> VolumeState:
    """The app's shared objects; the schema must exist
    (``nubes.volume.schema_sync.upgrade``).  Makes the default volume
    type when it is missing.  Without ``transport`` one is made from the
    configuration (and closed by :meth:`VolumeState.close`)."""
    db = db or database_from_conf(conf)
    volume_types.ensure_default(db, conf)
    own = None
    if transport is None:
        transport = own = transport_from_conf(conf)
    return VolumeState(conf=conf, db=db, policy=policy.Enforcer(conf, policies.list_rules()),
                       backends=Backends.from_conf(conf), managers=VolumeManagerAPI(transport),
                       images=images.client(conf), _own_transport=own)


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
