"""Run one function in many cells at once and gather what each returned.

``scatter_gather(ctx, cells, fn, timeout=...)`` calls ``fn(cell_ctx)`` for
every cell mapping in its own thread, with ``cell_ctx`` targeted at that
cell, and returns ``{cell_uuid: result}`` within ``timeout`` seconds.  A
cell whose call raised yields ``raised(exc)``; a cell that had not
answered by the deadline yields ``did_not_respond``.  The call itself never
raises because of a cell and never waits past the timeout: a slow cell's
thread is left to finish on its own (it is a daemon thread, so it cannot
keep the process alive) and its late answer is dropped.

Callers decide what a failed cell means (skip it, show partial records,
fail the request); :func:`is_failure` tells results from sentinels.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any, Callable, Iterable

from nubes.cells.records import CellMapping
from nubes.cells.targeting import CellContext, CellDatabases, CellRegistry, target_cell
from nubes.common.context import RequestContext

LOG = logging.getLogger(__name__)

# How long an API request waits for the slowest cell (seconds).
CELL_TIMEOUT = 60.0


class _DidNotRespond:
    _instance: "_DidNotRespond | None" = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "did_not_respond"

    def __reduce__(self):
        return (_DidNotRespond, ())


did_not_respond = _DidNotRespond()
"""The result of a cell that had not answered when the timeout expired."""


@dataclasses.dataclass(frozen=True)
class Raised:
    """The result of a cell whose call raised ``exc``."""

    exc: BaseException

    def __repr__(self) -> str:
        return f"raised({self.exc!r})"


def raised(exc: BaseException) -> Raised:
    return Raised(exc)


def is_failure(result: Any) -> bool:
    """True for ``did_not_respond`` and ``raised(...)``."""
    return result is did_not_respond or isinstance(result, Raised)


class _Gather:
    """Results of one scatter-gather call, filled by its worker threads."""

    def __init__(self, expected: int):
        self.results: dict[str, Any] = {}
        self._remaining = expected
        self._cond = threading.Condition()

    def put(self, cell_uuid: str, result: Any) -> None:
        with self._cond:
            self.results[cell_uuid] = result
            self._remaining -= 1
            if self._remaining <= 0:
                self._cond.notify_all()

    def wait(self, deadline: float) -> dict[str, Any]:
        with self._cond:
            while self._remaining > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return dict(self.results)  # late answers land in the old dict only


def scatter_gather(ctx: RequestContext, cells: Iterable[CellMapping],
                   fn: Callable[[CellContext], Any], *, timeout: float = CELL_TIMEOUT,
                   databases: CellDatabases | None = None) -> dict[str, Any]:
    """``{cell_uuid: fn(ctx targeted at the cell) | did_not_respond | raised(exc)}``."""
    cells = list(cells)
    deadline = time.monotonic() + timeout
    gather = _Gather(len(cells))

    def run(cell: CellMapping) -> None:
        try:
            result = fn(target_cell(ctx, cell, databases))
        except BaseException as exc:  # noqa: BLE001 - a cell's failure is data here
            LOG.warning("cell %s failed: %s: %s", cell.label, type(exc).__name__, exc)
            result = Raised(exc)
        gather.put(cell.uuid, result)

    for cell in cells:
        threading.Thread(target=run, args=(cell,), daemon=True,
                         name=f"scatter-gather-{cell.uuid[:8]}").start()
    answered = gather.wait(deadline)
    results = {}
    for cell in cells:
        if cell.uuid in answered:
            results[cell.uuid] = answered[cell.uuid]
        else:
            LOG.warning("cell %s did not respond within %.1fs", cell.label, timeout)
            results[cell.uuid] = did_not_respond
    return results


def scatter_gather_all_cells(ctx: RequestContext, registry: CellRegistry,
                             fn: Callable[[CellContext], Any], *,
                             timeout: float = CELL_TIMEOUT) -> dict[str, Any]:
    """Every cell, cell0 included (listing instances, counting quota)."""
    return scatter_gather(ctx, registry.cells(), fn, timeout=timeout,
                          databases=registry.databases)


def scatter_gather_skip_cell0(ctx: RequestContext, registry: CellRegistry,
                              fn: Callable[[CellContext], Any], *,
                              timeout: float = CELL_TIMEOUT) -> dict[str, Any]:
    """Every cell but cell0 (services, compute nodes: cell0 has none)."""
    return scatter_gather(ctx, registry.cells(include_cell0=False), fn, timeout=timeout,
                          databases=registry.databases)
