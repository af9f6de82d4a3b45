"""The cell conductor as a running thing: its RPC server and its own
service record (``nova-conductor``, reported alive like any service).

``nubes-conductor`` builds one from the configuration; tests and the
embedded cloud build them directly::

    conductor = CellConductor(conf, cell_db, transport).start()
    ...
    conductor.stop()
"""
from __future__ import annotations

import logging
from typing import Any

from nubes.cells.records import ServiceRecord
from nubes.common import rpc
from nubes.common.db.transaction import Database
from nubes.common.periodic import Periodic
from nubes.common.service_names import CONDUCTOR_BINARY, CONDUCTOR_TOPIC
from nubes.conductor.cell import services, stuck
from nubes.conductor.cell.endpoint import CellConductorEndpoint
from nubes.conductor.cell.messages import TOPIC, ServiceNotFound
from nubes.placement.client import PlacementClient

LOG = logging.getLogger(__name__)
SERVICE_VERSION = 1


class CellConductor:
    def __init__(self, conf: Any, db: Database, transport: rpc.Transport, *,
                 host: str | None = None, placement: PlacementClient | None = None):
        self.conf = conf
        self.db = db
        self.transport = transport
        self.host = host or conf.host
        self.service: ServiceRecord | None = None
        # placement: for reschedules (claims on alternates); None makes one
        # from [placement_client] when the first reschedule needs it.
        self._endpoint = CellConductorEndpoint(db, conf=conf, transport=transport,
                                               placement=placement)
        self._server = rpc.RPCServer(transport, TOPIC, self.host, [self._endpoint],
                                     conf=conf)
        self._heartbeat = Periodic(f"report {CONDUCTOR_BINARY}@{self.host}",
                                   conf.report_interval, self._report)
        # Servers stuck in a task go to ERROR (checked every minute, or as
        # often as the timeout if that is shorter).
        timeout = conf.instance_task_timeout
        self._stuck = Periodic(f"stuck tasks {self.host}", min(timeout, 60),
                               self._check_stuck) if timeout > 0 else None

    def start(self) -> "CellConductor":
        self.service = self._register()
        self._server.start()
        self._heartbeat.start()
        if self._stuck is not None:
            self._stuck.start()
        LOG.info("cell conductor %s serving on %r", self.host, self.transport)
        return self

    def stop(self) -> None:
        if self._stuck is not None:
            self._stuck.stop()
        self._heartbeat.stop()
        self._server.stop()
        LOG.info("cell conductor %s stopped", self.host)

    def _check_stuck(self) -> None:
        # The endpoint's placement client (made on first use) frees what
        # stuck builds held.
        stuck.put_stuck_in_error(self.db, self.conf.instance_task_timeout,
                                 placement=self._endpoint._placement_client)

    def _register(self) -> ServiceRecord:
        return services.register(self.db, host=self.host, binary=CONDUCTOR_BINARY,
                                        topic=CONDUCTOR_TOPIC, version=SERVICE_VERSION)

    def _report(self) -> None:
        try:
            self.service = services.report_alive(self.db, self.service.id)
        except ServiceNotFound:
            LOG.warning("service record of %s on %s was deleted; registering again",
                        CONDUCTOR_BINARY, self.host)
            self.service = self._register()

    def __enter__(self) -> "CellConductor":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


