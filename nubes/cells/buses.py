"""Each cell's message bus, as a transport opened on first use.

Like the cell databases (``targeting.CellDatabases``), the transports are
kept for the life of the process and keyed by the cell's transport URL;
cell0 has no bus.
"""
from __future__ import annotations

import threading

from nubes.cells.records import NO_TRANSPORT_URL, CellMapping
from nubes.common import rpc


class CellTransports:
    def __init__(self, conf):
        self._conf = conf
        self._lock = threading.Lock()
        self._by_url: dict[str, rpc.Transport] = {}
        self._closed = False

    @staticmethod
    def url_of(cell: CellMapping) -> str | None:
        """The cell's transport URL; None for a cell without a bus (cell0)."""
        url = cell.transport_url
        if cell.is_cell0 or not url or url == NO_TRANSPORT_URL:
            return None
        return url

    def get(self, cell: CellMapping) -> rpc.Transport | None:
        url = self.url_of(cell)
        if url is None:
            return None
        with self._lock:
            if self._closed:
                raise rpc.MessagingError("the cells' transports are closed")
            transport = self._by_url.get(url)
            if transport is None:
                transport = self._by_url[url] = rpc.from_conf(self._conf, url)
            return transport

    def close(self) -> None:
        with self._lock:
            self._closed = True
            transports, self._by_url = list(self._by_url.values()), {}
        for transport in transports:
            transport.close()
