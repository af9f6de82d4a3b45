"""Client side of the cell conductor (what compute agents call).

::

    conductor = CellConductorAPI(transport)
    service = conductor.service_register(ctx, host="c1", binary=COMPUTE_BINARY,
                                         topic=COMPUTE_TOPIC)
    service = conductor.service_report(ctx, service.id)       # liveness
    node = conductor.compute_node_sync(ctx, NodeReport(...))  # create/update

All are calls on the cell's bus; any conductor of the cell may answer.
They raise :class:`~nubes.common.rpc.MessagingTimeout` when no conductor
answers in time and the typed errors of :mod:`messages`.
"""
from __future__ import annotations

from nubes.common import rpc
from nubes.common.context import RequestContext
from nubes.conductor.messages import (TOPIC, ComputeNodeRecord, NodeReport,
                                      ServiceRecord)

VERSION = "1.0"


class CellConductorAPI:
    def __init__(self, transport: rpc.Transport, *, timeout: float | None = None):
        self._client = rpc.RPCClient(transport, rpc.Target(TOPIC), timeout=timeout,
                                     version=VERSION)

    def service_register(self, ctx: RequestContext | None, *, host: str, binary: str,
                         topic: str, version: int = 0,
                         timeout: float | None = None) -> ServiceRecord:
        data = self._client.call(ctx, "service_register", timeout=timeout, host=host,
                                  binary=binary, topic=topic, version=version)
        return ServiceRecord.from_wire(data)

    def service_report(self, ctx: RequestContext | None, service_id: int, *,
                       timeout: float | None = None) -> ServiceRecord:
        data = self._client.call(ctx, "service_report", timeout=timeout,
                                 service_id=service_id)
        return ServiceRecord.from_wire(data)

    def compute_node_sync(self, ctx: RequestContext | None, node: NodeReport, *,
                          timeout: float | None = None) -> ComputeNodeRecord:
        data = self._client.call(ctx, "compute_node_sync", timeout=timeout, node=node)
        return ComputeNodeRecord.from_wire(data)
