"""The scheduler as a running thing: its RPC server on the API-level bus.

``nubes-scheduler`` builds one from the configuration; tests and the
embedded cloud build them directly::

    scheduler = Scheduler(conf, api_db, transport).start()
    ...
    scheduler.stop()

Run as many as you like: each request is served by one of them, and the
claims in placement keep them from handing out the same room twice.
"""
from __future__ import annotations

import logging
from typing import Any

from nubes.cells.targeting import CellDatabases, CellRegistry
from nubes.common import rpc
from nubes.common.db.transaction import Database
from nubes.placement.client import PlacementClient
from nubes.scheduler.endpoint import SchedulerEndpoint
from nubes.scheduler.host_state import HostCatalog
from nubes.scheduler.messages import TOPIC
from nubes.scheduler.service import SchedulerService

LOG = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, conf: Any, api_db: Database, transport: rpc.Transport, *,
                 placement: PlacementClient | None = None,
                 databases: CellDatabases | None = None, host: str | None = None):
        self.conf = conf
        self.transport = transport
        self.host = host or conf.host
        self._own_placement = placement is None
        self.placement = placement or PlacementClient.from_conf(conf)
        self.cells = CellRegistry(api_db, databases or CellDatabases.from_conf(conf))
        self.catalog = HostCatalog(conf, self.cells)
        self.service = SchedulerService(conf, self.catalog, self.placement)
        self._server = rpc.RPCServer(transport, TOPIC, self.host,
                                     [SchedulerEndpoint(self.service)],
                                     max_workers=conf.scheduler.workers, conf=conf)

    def start(self) -> "Scheduler":
        self._server.start()
        LOG.info("scheduler %s serving on %r", self.host, self.transport)
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._own_placement:
            self.placement.close()
        LOG.info("scheduler %s stopped", self.host)

    def refresh(self) -> None:
        """See new cells and forget cached hosts (e.g. on SIGHUP)."""
        self.cells.refresh()
        self.catalog.invalidate()

    def __enter__(self) -> "Scheduler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
