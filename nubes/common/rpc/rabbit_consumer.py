"""A thread that consumes some RabbitMQ queues and survives connection loss.

Each consumer owns one connection (py-amqp connections are not thread-safe)
and loops: connect, declare its queues, consume, drain events, keep
heartbeats going; when the connection drops it reconnects with back-off and
declares again.  Declaring is idempotent and our queues outlive their
connections (``x-expires``), so messages published while it was away are
waiting for it.

Messages are acknowledged when they are taken, after a free slot was found
(``slots``): a message is either still on the broker (unacknowledged, so
redelivered after a drop) or in our hands, where it will run (at most once:
no duplicate builds after a reconnect).  While every slot is busy the loop
waits, sending heartbeats, and takes nothing more; the broker keeps the rest
for this or a competing server.  The prefetch of one per queue means a busy
server holds back at most one message per queue until a slot frees.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Callable

import kombu

from nubes.common.rpc.transport import retry_delays

LOG = logging.getLogger(__name__)

Declare = Callable[[object], list[kombu.Queue]]  # channel -> declared queues
Deliver = Callable[[bytes, Callable[[], None]], None]


def _noop() -> None:
    pass


def connect_once(conn: kombu.Connection) -> None:
    """One connection attempt (``Connection.connect()`` makes two, two
    seconds apart); our loops do their own back-off."""
    conn.ensure_connection(max_retries=0, reraise_as_library_errors=False)


class ConsumerLoop(threading.Thread):
    def __init__(self, transport, name: str, declare: Declare, deliver: Deliver, *,
                 capacity: int | None = None):
        super().__init__(name=f"rabbit-{name}", daemon=True)
        self.transport = transport
        self.declare = declare
        self.deliver = deliver
        self.capacity = capacity
        self.slots = threading.BoundedSemaphore(capacity) if capacity else None
        self.ready = threading.Event()       # consuming (at least once)
        self.connections = 0                 # successful (re)connects
        self._stopping = threading.Event()
        self._conn: kombu.Connection | None = None
        self._conn_lock = threading.Lock()
        self._consuming = False
        options = transport.options
        self._tick = min(1.0, options.heartbeat / 4) if options.heartbeat else 1.0

    # --- control ------------------------------------------------------------

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        self._interrupt()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def _interrupt(self) -> None:
        """Wake the loop out of a blocking read by shutting its socket."""
        with self._conn_lock:
            conn = self._conn
            try:
                sock = conn.connection.sock if conn is not None and conn.connected else None
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
            except Exception:  # already closed, or not open yet
                pass

    # --- the loop -----------------------------------------------------------

    def run(self) -> None:
        delays = retry_delays(self.transport.options)
        while not self._stopping.is_set():
            conn = self.transport.new_connection(heartbeat=True)
            with self._conn_lock:
                self._conn = conn
            try:
                connect_once(conn)
                self._consume(conn)
            except self.transport.retryable_errors as exc:
                if self._stopping.is_set():
                    break
                if self._consuming:  # it worked until now: start over
                    self._consuming = False
                    delays = retry_delays(self.transport.options)
                delay = next(delays)
                LOG.warning("%s: connection to %r lost (%s: %s); reconnecting in %.1fs",
                            self.name, self.transport, type(exc).__name__, exc, delay)
                self._stopping.wait(delay)
            except Exception:
                if self._stopping.is_set():
                    break
                delay = next(delays)
                LOG.exception("%s: unexpected error; reconnecting in %.1fs", self.name, delay)
                self._stopping.wait(delay)
            finally:
                with self._conn_lock:
                    self._conn = None
                _release(conn)

    def _consume(self, conn: kombu.Connection) -> None:
        channel = conn.channel()
        queues = self.declare(channel)
        consumer = kombu.Consumer(channel, queues=queues,
                                  on_message=lambda m: self._on_message(conn, m),
                                  no_ack=False, auto_declare=False)
        if self.capacity:
            # Unacknowledged = taken but waiting for a free slot: keep it to
            # one per queue so a busy server holds back at most that.
            consumer.qos(prefetch_count=1)
        consumer.consume()
        self._consuming = True
        self.connections += 1
        if self.connections > 1:
            LOG.info("%s: reconnected to %r", self.name, self.transport)
        self.ready.set()
        while not self._stopping.is_set():
            try:
                conn.drain_events(timeout=self._tick)
            except socket.timeout:
                pass
            conn.heartbeat_check()

    def _on_message(self, conn: kombu.Connection, message) -> None:
        release = _noop
        if self.slots is not None:
            if not self._wait_for_slot(conn):
                return  # stopping: left unacknowledged, the broker requeues it
            release = self.slots.release
        try:
            message.ack()
        except BaseException:
            release()
            raise
        self.deliver(message.body, release)

    def _wait_for_slot(self, conn: kombu.Connection) -> bool:
        assert self.slots is not None
        interval = max(self.transport.options.heartbeat / 3, 0.5) if \
            self.transport.options.heartbeat else None
        last = time.monotonic()
        while not self.slots.acquire(timeout=self._tick):
            if self._stopping.is_set():
                return False
            if interval and time.monotonic() - last >= interval:
                # Not reading meanwhile, so heartbeat_check() would think the
                # broker silent; just tell the broker we are alive.
                conn.connection.send_heartbeat()
                last = time.monotonic()
        return True


def _release(conn: kombu.Connection) -> None:
    try:
        conn.release()
    except Exception:
        pass
