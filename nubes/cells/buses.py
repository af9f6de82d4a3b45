"""Each cell's message bus, as the API-level services use it.

One transport per cell transport URL, opened on first use and kept for the
life of the process (like the cell databases, ``targeting.CellDatabases``);
cell0 has no bus.  Two ways to send:

* ``transport(cell)`` / ``require(cell)``: the transport itself, for an
  RPC client that sends now (the super-conductor's build casts, the API's
  delete and power casts);
* ``cast_after_commit(message)``: queue an encoded cast for one sender
  thread per bus, which sends casts in order.  The request that made the
  change does not wait for the bus, and a cell whose bus is down holds up
  only its own casts, each for at most ``[oslo_messaging_rabbit]
  publish_retry_timeout`` seconds after it was queued, then logged and
  dropped.

Threads and connections start on first use, so gunicorn workers forked
after the app was built each get their own.
"""
from __future__ import annotations

import collections
import logging
import threading
import time

from nubes.cells.records import NO_TRANSPORT_URL, CellMapping
from nubes.common import rpc
from nubes.common.rpc.transport import mask_url

LOG = logging.getLogger(__name__)


class _Sender:
    """Sends the casts queued for one bus, in order, on its own thread."""

    def __init__(self, transport: rpc.Transport):
        self.transport = transport
        self._queue: collections.deque[tuple[rpc.Outgoing, float, float | None]] = \
            collections.deque()
        self._cond = threading.Condition()
        self._busy = False
        self._stopping = False
        # A daemon: a process that exits does not wait for a bus that is down.
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"casts {mask_url(transport.url)}")
        self._thread.start()

    def put(self, message: rpc.Outgoing, ttl: float | None) -> None:
        # The deadline runs from now: a backlog behind a bus that is down
        # is dropped, not sent minutes late.
        deadline = time.monotonic() + self.transport.options.publish_timeout
        with self._cond:
            if self._stopping:
                raise rpc.MessagingError(f"casts to {self.transport!r} are shut down")
            self._queue.append((message, deadline, ttl))
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._stopping)
                if not self._queue:
                    return
                message, deadline, ttl = self._queue.popleft()
                self._busy = True
            try:
                self._send(message, deadline, ttl)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _send(self, message: rpc.Outgoing, deadline: float, ttl: float | None) -> None:
        if time.monotonic() >= deadline:
            LOG.warning("dropping cast %s to %s: %r stayed unreachable", message.method,
                        message.target, self.transport)
            return
        try:
            self.transport.send(message.target, message.body, deadline=deadline, ttl=ttl)
        except Exception as exc:  # noqa: BLE001 - logged: the change is committed anyway
            LOG.warning("cast %s to %s on %r failed: %s: %s", message.method,
                        message.target, self.transport, type(exc).__name__, exc)

    def wait_idle(self, timeout: float | None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class CellBuses:
    def __init__(self, conf):
        self._conf = conf
        self._lock = threading.Lock()
        self._by_url: dict[str, rpc.Transport] = {}
        self._senders: dict[str, _Sender] = {}
        self._closed = False

    @staticmethod
    def url_of(cell: CellMapping) -> str | None:
        """The cell's transport URL; None for a cell without a bus (cell0)."""
        url = cell.transport_url
        if cell.is_cell0 or not url or url == NO_TRANSPORT_URL:
            return None
        return url

    def transport(self, cell: CellMapping) -> rpc.Transport | None:
        """The cell's transport (None: the cell has no bus)."""
        url = self.url_of(cell)
        if url is None:
            return None
        with self._lock:
            if self._closed:
                raise rpc.MessagingError("the cells' buses are closed")
            transport = self._by_url.get(url)
            if transport is None:
                transport = self._by_url[url] = rpc.from_conf(self._conf, url)
            return transport

    def require(self, cell: CellMapping) -> rpc.Transport:
        """The cell's transport; ``rpc.InvalidTarget`` if it has none."""
        transport = self.transport(cell)
        if transport is None:
            raise rpc.InvalidTarget(f"cell {cell.name or cell.uuid} has no message bus")
        return transport

    def cast_after_commit(self, message: rpc.Outgoing, *, ttl: float | None = None) -> None:
        """Queue an encoded cast (made on one of these transports) for sending;
        ``ttl`` seconds is how long it may wait on the bus for its server."""
        with self._lock:
            if self._closed:
                raise rpc.MessagingError("the cells' buses are closed")
            sender = self._senders.get(message.transport.url)
            if sender is None:
                sender = self._senders[message.transport.url] = _Sender(message.transport)
        sender.put(message, ttl)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued cast was sent or given up on (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            senders = list(self._senders.values())
        return all(s.wait_idle(max(deadline - time.monotonic(), 0)) for s in senders)

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (for up to ``timeout`` seconds), then close."""
        with self._lock:
            self._closed = True
            senders, self._senders = list(self._senders.values()), {}
            transports, self._by_url = list(self._by_url.values()), {}
        deadline = time.monotonic() + timeout
        for sender in senders:
            sender.stop()
        for sender in senders:
            sender.wait_idle(max(deadline - time.monotonic(), 0))
        for transport in transports:
            transport.close()  # also cuts short a send still retrying
        for sender in senders:
            sender.join(max(deadline - time.monotonic(), 0.1))
