"""The RabbitMQ transport (kombu on py-amqp): ``rabbit://user:pass@host:port/vhost``.

Topology per bus (vhost):

* one durable topic exchange, ``nubes``; requests are routed by the keys of
  :mod:`target`;
* per topic a shared queue, per server an own queue (bound to its server key
  and to its topic's fanout key), per client process a reply queue.  Queues
  are not deleted when their consumer disconnects; ``x-expires`` removes them
  after ``queue_ttl`` seconds without one.  So a connection drop loses
  nothing: what was published meanwhile waits, what was delivered but not
  acknowledged is delivered again.

Publishing goes through a small pool of connections in confirm mode: a
publish returns once the broker has taken the message.  It is ``mandatory``
(except fanouts), so a message for a key with no queue comes back and raises
:class:`Undeliverable` at once instead of vanishing.  A failed publish is
retried on a fresh connection with back-off until the deadline (the call's
timeout, or ``publish_timeout`` for casts), then raises
:class:`DeliveryFailure`: every send either reaches the broker or raises.

Consuming (servers, the reply queue) runs in :class:`ConsumerLoop` threads,
one connection each, with heartbeats and reconnection.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
import urllib.parse
import uuid

import amqp.exceptions
import kombu
import kombu.exceptions

from nubes.common.rpc.errors import (DeliveryFailure, InvalidTarget, MessagingError,
                                     MessagingTimeout, Undeliverable)
from nubes.common.rpc.rabbit_consumer import ConsumerLoop, connect_once
from nubes.common.rpc.target import Target, server_queues
from nubes.common.rpc.transport import (Handler, Transport, TransportOptions, mask_url,
                                        retry_delays)

LOG = logging.getLogger(__name__)

EXCHANGE = "nubes"
CONTENT_TYPE = "application/json"
MAX_CONFIRM_WAIT = 30.0
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, amqp.exceptions.AMQPError, amqp.exceptions.MessageNacked,
    kombu.exceptions.OperationalError)


def kombu_urls(url: str) -> tuple[list[str], str]:
    """``rabbit://u:p@h1:5672,u:p@h2:5672/vhost`` -> kombu URLs and the vhost.
    An empty path is the default vhost ``/``."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("rabbit", "amqp"):
        raise InvalidTarget(f"not a RabbitMQ URL: {mask_url(url)!r}")
    rest = rest.split("?", 1)[0]
    netlocs, _, path = rest.partition("/")
    vhost = urllib.parse.unquote(path) or "/"
    quoted_vhost = urllib.parse.quote(vhost, safe="")
    urls = []
    for entry in netlocs.split(","):
        entry = entry.strip()
        if not entry:
            continue
        creds, at, hostport = entry.rpartition("@")
        if not hostport:
            raise InvalidTarget(f"RabbitMQ URL without a host: {mask_url(url)!r}")
        urls.append(f"pyamqp://{creds}{at}{hostport}/{quoted_vhost}")
    if not urls:
        urls.append(f"pyamqp://localhost:5672/{quoted_vhost}")
    return urls, vhost


class _Publisher:
    """One pooled connection in confirm mode, used by one thread at a time."""

    def __init__(self, transport: "RabbitTransport"):
        self.transport = transport
        self.conn: kombu.Connection | None = None
        self.producer: kombu.Producer | None = None   # the topic exchange
        self.direct: kombu.Producer | None = None     # the default exchange (replies)
        self.returned: BaseException | None = None

    def publish(self, exchange: str, key: str, body: bytes, *, mandatory: bool,
                ttl: float | None, confirm_timeout: float) -> None:
        if self.producer is None:
            self._open()
        producer = self.direct if exchange == "" else self.producer
        assert producer is not None
        self.returned = None
        producer.publish(
            body, routing_key=key, mandatory=mandatory,
            content_type=CONTENT_TYPE, content_encoding="utf-8",
            delivery_mode=2 if self.transport.options.durable_queues else 1,
            expiration=ttl, confirm_timeout=confirm_timeout)
        if self.returned is not None:  # basic.return arrives before the ack
            raise Undeliverable(f"no queue for {key!r} on {self.transport!r} "
                                f"({self.returned})")

    def _open(self) -> None:
        conn = self.transport.new_connection(heartbeat=False, confirm=True)
        try:
            connect_once(conn)
            channel = conn.channel()
            self.producer = kombu.Producer(channel, exchange=self.transport.exchange,
                                           auto_declare=True, on_return=self._on_return)
            self.direct = kombu.Producer(channel, exchange=kombu.Exchange(""),
                                         auto_declare=False, on_return=self._on_return)
        except BaseException:
            _release(conn)
            raise
        self.conn = conn

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        self.returned = exc

    def reset(self) -> None:
        conn, self.conn, self.producer, self.direct = self.conn, None, None, None
        if conn is not None:
            _release(conn)


class RabbitTransport(Transport):
    retryable_errors = RETRYABLE_ERRORS

    def __init__(self, url: str, options: TransportOptions | None = None):
        super().__init__(url, options or TransportOptions())
        self._urls, self.vhost = kombu_urls(url)
        self._next_url = itertools.count()
        self.exchange = kombu.Exchange(EXCHANGE, type="topic", durable=True,
                                       auto_delete=False)
        self._queue_args = {"x-expires": int(self.options.queue_ttl * 1000)}
        self._idle: list[_Publisher] = []
        self._pool_lock = threading.Lock()
        self._pool_slots = threading.BoundedSemaphore(self.options.pool_size)
        self._reply_lock = threading.Lock()
        self._reply_queue: str | None = None
        self._reply_loop: ConsumerLoop | None = None
        self._loops: list[ConsumerLoop] = []
        self._closed = threading.Event()

    # --- connections --------------------------------------------------------

    def new_connection(self, *, heartbeat: bool, confirm: bool = False) -> kombu.Connection:
        """A connection to the next broker of the URL (round robin)."""
        url = self._urls[next(self._next_url) % len(self._urls)]
        return kombu.Connection(
            url, heartbeat=self.options.heartbeat if heartbeat else 0,
            connect_timeout=self.options.connect_timeout,
            # A broker that stops reading (a resource alarm) must not block
            # a publisher forever: writes time out and the publish retries.
            transport_options=({"confirm_publish": True, "write_timeout": MAX_CONFIRM_WAIT}
                               if confirm else {}))

    def _checkout(self, deadline: float) -> _Publisher:
        if not self._pool_slots.acquire(timeout=max(deadline - time.monotonic(), 0.001)):
            raise DeliveryFailure(f"all {self.options.pool_size} publisher connections "
                                  f"to {self!r} stayed busy")
        with self._pool_lock:
            return self._idle.pop() if self._idle else _Publisher(self)

    def _checkin(self, publisher: _Publisher) -> None:
        if self._closed.is_set():
            publisher.reset()
        else:
            with self._pool_lock:
                self._idle.append(publisher)
        self._pool_slots.release()

    def _publish(self, exchange: str, key: str, body: bytes, *, mandatory: bool,
                 ttl: float | None, deadline: float) -> None:
        if self._closed.is_set():
            raise MessagingError(f"{self!r} is closed")
        publisher = self._checkout(deadline)
        delays = None
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    publisher.publish(exchange, key, body, mandatory=mandatory, ttl=ttl,
                                      confirm_timeout=min(max(remaining, 1.0), MAX_CONFIRM_WAIT))
                    return
                except Undeliverable:
                    raise
                except RETRYABLE_ERRORS as exc:
                    publisher.reset()
                    # A pooled connection may have died while idle: the
                    # first retry is immediate, later ones back off.
                    delay = 0.0 if delays is None else next(delays)
                    delays = delays or retry_delays(self.options)
                    if time.monotonic() + delay >= deadline or self._closed.is_set():
                        raise DeliveryFailure(
                            f"could not publish to {key!r} on {self!r}: "
                            f"{type(exc).__name__}: {exc}") from exc
                    LOG.log(logging.INFO if delay == 0 else logging.WARNING,
                            "publishing to %s on %r failed (%s: %s); retrying in %.1fs",
                            key, self, type(exc).__name__, exc, delay)
                    self._closed.wait(delay)
        finally:
            self._checkin(publisher)

    # --- the transport interface ---------------------------------------------

    def send(self, target: Target, body: bytes, *, deadline: float | None = None,
             ttl: float | None = None) -> None:
        if deadline is None:
            deadline = time.monotonic() + self.options.publish_timeout
        self._publish(EXCHANGE, target.routing_key(), body, mandatory=not target.fanout,
                      ttl=ttl, deadline=deadline)

    def send_reply(self, address: str, body: bytes) -> None:
        try:
            self._publish("", address, body, mandatory=True, ttl=None,
                          deadline=time.monotonic() + self.options.publish_timeout)
        except Undeliverable:
            LOG.info("dropping a reply for %s: that caller is gone", address)

    def reply_address(self, deadline: float | None = None) -> str:
        with self._reply_lock:
            if self._closed.is_set():
                raise MessagingError(f"{self!r} is closed")
            if self._reply_loop is None:
                name = self._reply_queue = "reply_" + uuid.uuid4().hex
                self._reply_loop = ConsumerLoop(
                    self, "replies", self._reply_declarer(name),
                    lambda body, done: self.replies.deliver(body))
                self._reply_loop.start()
            loop, name = self._reply_loop, self._reply_queue
        wait = (deadline - time.monotonic() if deadline is not None
                else self.options.publish_timeout)
        if not loop.ready.wait(max(wait, 0)):
            raise MessagingTimeout(f"{self!r} unreachable: no reply queue yet")
        assert name is not None
        return name

    def subscribe(self, topic: str, server: str, handler: Handler, *, capacity: int):
        if self._closed.is_set():
            raise MessagingError(f"{self!r} is closed")
        loop = ConsumerLoop(self, f"{topic}.{server}", self._server_declarer(topic, server),
                            handler, capacity=capacity)
        self._loops = [old for old in self._loops if old.is_alive()] + [loop]
        loop.start()
        if not loop.ready.wait(self.options.connect_timeout + 1.0):
            LOG.warning("RPC server %s.%s is not consuming from %r yet; it keeps "
                        "trying in the background", topic, server, self)
        return loop

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        for loop in self._loops:
            loop.stop()
        if self._reply_loop is not None:
            self._reply_loop.stop()
            self._delete_queue(self._reply_queue)
        self.replies.fail_all(MessagingError(f"{self!r} closed"))
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for publisher in idle:
            publisher.reset()

    # --- topology -----------------------------------------------------------

    def _server_declarer(self, topic: str, server: str):
        durable = self.options.durable_queues

        def declare(channel) -> list[kombu.Queue]:
            self.exchange(channel).declare()
            queues = []
            for name, keys in server_queues(topic, server):
                queue = kombu.Queue(
                    name, bindings=[kombu.binding(self.exchange, routing_key=key)
                                    for key in keys],
                    durable=durable, auto_delete=False,
                    queue_arguments=self._queue_args)(channel)
                queue.declare()
                queues.append(queue)
            return queues
        return declare

    def _reply_declarer(self, name: str):
        def declare(channel) -> list[kombu.Queue]:
            channel.queue_declare(queue=name, durable=False, exclusive=False,
                                  auto_delete=False, arguments=self._queue_args)
            return [kombu.Queue(name, no_declare=True)(channel)]
        return declare

    def _delete_queue(self, name: str | None) -> None:
        if not name:
            return
        conn = self.new_connection(heartbeat=False)
        try:
            connect_once(conn)
            conn.channel().queue_delete(queue=name)
        except Exception as exc:  # it expires on its own anyway
            LOG.debug("could not delete %s: %s", name, exc)
        finally:
            _release(conn)


def _release(conn: kombu.Connection) -> None:
    try:
        conn.release()
    except Exception:
        pass
