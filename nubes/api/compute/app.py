"""Assemble the compute API WSGI application from a ConfigOpts."""
from __future__ import annotations

import logging

from nubes.api.compute import errors, microversions, middleware, policies, routes
from nubes.api.compute.state import ComputeState
from nubes.cells.buses import CellBuses
from nubes.cells.targeting import CellDatabases, CellRegistry
from nubes.common import auth, policy, rpc
from nubes.common.db.transaction import Database
from nubes.common.wsgi import app as wsgi_app
from nubes.common.wsgi import cors
from nubes.image.client import ImageClient
from nubes.placement.client import PlacementClient
from nubes.volume.client import VolumeClient

LOG = logging.getLogger(__name__)

# Version documents answer without a token, as OpenStack compute's do.
PUBLIC_PATHS = frozenset({"/", "/v2", "/v2/", "/v2.1", "/v2.1/"})


def database_from_conf(conf) -> Database:
    return Database.from_group(conf, "api_database")


def placement_from_conf(conf) -> PlacementClient | None:
    if not conf.placement_client.endpoint:
        LOG.warning("[placement_client] endpoint is not set: aggregates will not be "
                    "mirrored into placement and hypervisor usage comes from the cell "
                    "databases")
        return None
    return PlacementClient.from_conf(conf)


def build_state(conf, *, api_db: Database | None = None,
                databases: CellDatabases | None = None,
                placement: PlacementClient | None = None,
                buses: CellBuses | None = None) -> ComputeState:
    api_db = api_db or database_from_conf(conf)
    databases = databases or CellDatabases.from_conf(conf)
    placement = placement if placement is not None else placement_from_conf(conf)
    api_transport = api_transport_from_conf(conf)
    buses = buses if buses is not None else CellBuses(conf)
    return ComputeState(
        conf=conf, api_db=api_db,
        cells=CellRegistry(api_db, databases),
        policy=policy.Enforcer(conf, policies.list_rules(),
                               denied="Policy doesn't allow {action} to be performed."),
        placement=placement,
        buses=buses,
        api_transport=api_transport,
        images=ImageClient.from_conf(conf),
        volumes=VolumeClient.from_conf(conf))


def api_transport_from_conf(conf) -> rpc.Transport | None:
    """The API-level bus (``[DEFAULT] transport_url``), where the
    super-conductor listens; None (with a warning) when unset."""
    if not conf.transport_url:
        LOG.warning("[DEFAULT] transport_url is not set: POST /servers answers 503")
        return None
    return rpc.from_conf(conf)


def build(conf, *, state: ComputeState | None = None):
    """The compute API app (the API database must be migrated and the cells
    mapped; cells are read once and cached, as in every API worker)."""
    state = state or build_state(conf)
    stack = [
        middleware.ComputeRequestIdMiddleware(),
        wsgi_app.StateMiddleware(state),
        *cors.from_conf(conf),
        middleware.ProjectPathMiddleware(routes.collections()),
        auth.AuthMiddleware(conf, strategy=conf.api.auth_strategy, public_paths=PUBLIC_PATHS),
        microversions.ComputeMicroversionMiddleware(),
    ]
    app = wsgi_app.build_app(middleware=stack, routes=routes.ROUTES,
                             render_error=errors.render_error,
                             map_exception=errors.map_exception)
    return auth.outermost(app, conf, public_paths=PUBLIC_PATHS)
