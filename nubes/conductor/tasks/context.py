"""What API-level work (the super-conductor's builds, the API's deletes)
reaches: the API database, the cells and their databases, every cell's bus,
and placement.

The compute API builds one at start-up from what it already has and passes
it to :func:`nubes.conductor.tasks.delete.delete_server` and the power
functions; the super-conductor builds its own.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from nubes.cells.buses import CellTransports
from nubes.cells.records import CellMapping
from nubes.cells.targeting import CellDatabases, CellRegistry
from nubes.common import rpc
from nubes.common.db.transaction import Database
from nubes.compute.rpcapi import ComputeAPI
from nubes.placement.client import PlacementClient


class CellBuses:
    """One transport per cell bus URL, opened on first use."""

    def __init__(self, conf: Any, *, transports: CellTransports | None = None):
        # Shared with the caller's own casts when given (the compute API).
        self._transports = transports or CellTransports(conf)

    def transport(self, cell: CellMapping) -> rpc.Transport:
        transport = self._transports.get(cell)
        if transport is None:
            raise rpc.InvalidTarget(f"cell {cell.name or cell.uuid} has no message bus")
        return transport

    def compute(self, cell: CellMapping) -> ComputeAPI:
        return ComputeAPI(self.transport(cell))

    def close(self) -> None:
        self._transports.close()


@dataclasses.dataclass
class ApiLevel:
    conf: Any
    api_db: Database
    cells: CellRegistry
    placement: PlacementClient
    buses: CellBuses

    @classmethod
    def build(cls, conf: Any, api_db: Database, *, databases: CellDatabases | None = None,
              placement: PlacementClient | None = None,
              buses: CellBuses | None = None) -> "ApiLevel":
        return cls(conf=conf, api_db=api_db, cells=CellRegistry(api_db, databases),
                   placement=placement or PlacementClient.from_conf(conf),
                   buses=buses or CellBuses(conf))

    def cell_by_id(self, cell_id: int) -> CellMapping:
        for cell in self.cells.cells():
            if cell.id == cell_id:
                return cell
        self.cells.refresh()
        for cell in self.cells.cells():
            if cell.id == cell_id:
                return cell
        raise LookupError(f"no cell with id {cell_id}")

    def cell0(self) -> CellMapping:
        for cell in self.cells.cells():
            if cell.is_cell0:
                return cell
        raise LookupError("cell0 is not mapped (nubes-manage cell_v2 map_cell0)")

    def cell_db(self, cell: CellMapping) -> Database:
        return self.cells.database(cell)
