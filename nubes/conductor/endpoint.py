"""The cell conductor's RPC endpoint (topic ``conductor`` on a cell's bus).

Methods are called by the cell's compute agents; each is one short
transaction on the cell database and answers with the record it wrote.
"""
from __future__ import annotations

from typing import Any

from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database
from nubes.conductor import compute_node_records, service_records
from nubes.conductor.messages import NodeReport


class CellConductorEndpoint:
    RPC_API_VERSION = "1.0"

    def __init__(self, db: Database):
        self._db = db

    def service_register(self, ctx: RequestContext, *, host: str, binary: str,
                         topic: str, version: int = 0) -> Any:
        return service_records.register(self._db, host=host, binary=binary,
                                        topic=topic, version=version)

    def service_report(self, ctx: RequestContext, *, service_id: int) -> Any:
        return service_records.report_alive(self._db, service_id)

    def compute_node_sync(self, ctx: RequestContext, *, node: dict) -> Any:
        return compute_node_records.sync(self._db, NodeReport.from_wire(node))
