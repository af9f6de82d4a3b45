"""Cell targeting: bind a request context to one cell's database and bus.

``CellRegistry`` reads the cell mappings from the API database once and
keeps them (like every API-level service, it sees new or changed cells
only after :meth:`CellRegistry.refresh`, e.g. on SIGHUP).  Each cell's
``Database`` is created lazily, on first use, and shared by every context
targeted at that cell; creating it does not connect, so a down cell costs
nothing until something talks to it.

``target_cell(ctx, mapping)`` returns a :class:`CellContext`: the same
request context plus ``ctx.cell`` (the mapping, its ``Database`` and the
transport URL the rpc layer should use; ``None`` for cell0, which has no
bus).
"""
from __future__ import annotations

import dataclasses
import threading

from nubes.cells import exceptions
from nubes.cells.records import NO_TRANSPORT_URL, CellMapping
from nubes.cells.repo import cell_mappings as cell_repo
from nubes.common.context import RequestContext
from nubes.common.db.transaction import Database


class CellDatabases:
    """One lazily created ``Database`` per connection URL."""

    def __init__(self, *, max_retries: int = 10, pool_size: int = 5, max_overflow: int = 10):
        self._kwargs = {"max_retries": max_retries, "pool_size": pool_size,
                        "max_overflow": max_overflow}
        self._by_url: dict[str, Database] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_conf(cls, conf) -> "CellDatabases":
        opts = conf.database
        return cls(max_retries=opts.max_retries, pool_size=opts.max_pool_size,
                   max_overflow=opts.max_overflow)

    def get(self, url: str) -> Database:
        with self._lock:
            db = self._by_url.get(url)
            if db is None:
                db = self._by_url[url] = Database(url, **self._kwargs)
            return db

    def dispose(self) -> None:
        with self._lock:
            dbs, self._by_url = list(self._by_url.values()), {}
        for db in dbs:
            db.dispose()


# Connection pools are per process, like engines; callers that want their
# own (tests, a second deployment in one process) pass a CellDatabases.
DEFAULT_DATABASES = CellDatabases()


@dataclasses.dataclass(frozen=True)
class TargetedCell:
    mapping: CellMapping
    db: Database

    @property
    def uuid(self) -> str:
        return self.mapping.uuid

    @property
    def transport_url(self) -> str | None:
        """The cell's bus for the rpc layer (None for cell0: it has none)."""
        url = self.mapping.transport_url
        if self.mapping.is_cell0 or not url or url == NO_TRANSPORT_URL:
            return None
        return url


@dataclasses.dataclass
class CellContext(RequestContext):
    """A request context bound to one cell."""

    cell: TargetedCell | None = None


def target_cell(ctx: RequestContext, cell_mapping: CellMapping,
                databases: CellDatabases | None = None) -> CellContext:
    """A copy of ``ctx`` bound to ``cell_mapping``'s database and bus."""
    db = (databases or DEFAULT_DATABASES).get(cell_mapping.database_connection)
    cell = TargetedCell(mapping=cell_mapping, db=db)
    if isinstance(ctx, CellContext):
        return dataclasses.replace(ctx, cell=cell)
    fields = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(RequestContext)}
    return CellContext(**fields, cell=cell)


def cell_of(ctx: RequestContext) -> TargetedCell:
    """The cell ``ctx`` is bound to; a programming error if it is not."""
    cell = getattr(ctx, "cell", None)
    if cell is None:
        raise RuntimeError("this context is not targeted at a cell (use target_cell)")
    return cell


class CellRegistry:
    """The cell mappings of one API database, cached, plus their databases."""

    def __init__(self, api_db: Database, databases: CellDatabases | None = None):
        self.api_db = api_db
        self.databases = databases or DEFAULT_DATABASES
        self._cells: list[CellMapping] | None = None
        self._lock = threading.Lock()

    def cells(self, *, include_cell0: bool = True,
              include_disabled: bool = True) -> list[CellMapping]:
        with self._lock:
            if self._cells is None:
                self._cells = self.api_db.read(cell_repo.list_all)
            cells = list(self._cells)
        return [c for c in cells
                if (include_cell0 or not c.is_cell0) and (include_disabled or not c.disabled)]

    def refresh(self) -> None:
        """Forget the cached mappings; the next call reads them again."""
        with self._lock:
            self._cells = None

    def get(self, cell_uuid: str) -> CellMapping:
        for cell in self.cells():
            if cell.uuid == cell_uuid:
                return cell
        # Not cached yet: created after we loaded the list?
        cell = self.api_db.read(lambda conn: cell_repo.get_by_uuid(conn, cell_uuid))
        if cell is None:
            raise exceptions.CellNotFound(f"cell {cell_uuid} not found")
        return cell

    def by_id(self, cell_id: int) -> CellMapping:
        """The cell with API-database id ``cell_id`` (mappings cached before
        the cell was created are read again once); ``CellNotFound`` if none."""
        for attempt in range(2):
            for cell in self.cells():
                if cell.id == cell_id:
                    return cell
            if attempt == 0:
                self.refresh()
        raise exceptions.CellNotFound(f"no cell with id {cell_id}")

    def cell0(self) -> CellMapping:
        for cell in self.cells():
            if cell.is_cell0:
                return cell
        raise exceptions.CellNotFound("cell0 is not mapped (nubes-manage cell_v2 map_cell0)")

    def database(self, cell: CellMapping) -> Database:
        return self.databases.get(cell.database_connection)

    def target(self, ctx: RequestContext, cell: CellMapping) -> CellContext:
        return target_cell(ctx, cell, self.databases)
