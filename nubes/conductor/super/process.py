"""The super-conductor: the API-level conductor, topic ``conductor`` on the
API-level bus (``[DEFAULT] transport_url`` of the API services), with the
API database, every cell's database and bus, the scheduler and placement.

It turns build requests into instances in cells (or cell0):
:class:`~nubes.conductor.super.build.ScheduleAndBuild`, and periodically
builds again those nobody works on (:mod:`.lost_builds`).  Cell services never
call it (no up-calls); the compute API casts to it through
:class:`nubes.conductor.super.rpcapi.SuperConductorAPI`.

``nubes-conductor --super`` builds one from the configuration; tests and the
embedded cloud build them directly::

    conductor = SuperConductor(conf, api_db, api_transport, placement=client).start()
    ...
    conductor.stop()

Run as many as you like: each request is handled by one of them.
"""
from __future__ import annotations

import logging
from typing import Any

from nubes.cells.targeting import CellDatabases
from nubes.common import rpc
from nubes.common.db.transaction import Database
from nubes.cells.buses import CellBuses
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.endpoint import SuperConductorEndpoint
from nubes.conductor.super.lost_builds import LostBuilds
from nubes.conductor.super.messages import TOPIC
from nubes.placement.client import PlacementClient
from nubes.scheduler.rpcapi import SchedulerAPI

LOG = logging.getLogger(__name__)


class SuperConductor:
    def __init__(self, conf: Any, api_db: Database, transport: rpc.Transport, *,
                 placement: PlacementClient | None = None,
                 databases: CellDatabases | None = None, host: str | None = None,
                 scheduler_timeout: float | None = None):
        self.conf = conf
        self.transport = transport
        self.host = host or conf.host
        self._own_placement = placement is None
        self.api = ApiLevel.build(conf, api_db, databases=databases, placement=placement,
                                  buses=CellBuses(conf))
        scheduler = SchedulerAPI(transport, timeout=scheduler_timeout)
        self._server = rpc.RPCServer(transport, TOPIC, self.host,
                                     [SuperConductorEndpoint(self.api, scheduler)],
                                     conf=conf)
        self.lost_builds = LostBuilds(self.api, scheduler, self.host)

    def start(self) -> "SuperConductor":
        self._server.start()
        self.lost_builds.start()
        LOG.info("super-conductor %s serving on %r", self.host, self.transport)
        return self

    def stop(self) -> None:
        self.lost_builds.stop()
        self._server.stop()
        self.api.buses.close()
        if self._own_placement:
            self.api.placement.close()
        LOG.info("super-conductor %s stopped", self.host)

    def refresh(self) -> None:
        """See new cells (e.g. on SIGHUP)."""
        self.api.cells.refresh()

    def __enter__(self) -> "SuperConductor":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
