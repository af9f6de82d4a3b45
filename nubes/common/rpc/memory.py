"""The in-process bus: ``memory://vhost``, for the embedded cloud and tests.

It routes exactly like RabbitMQ does for us (see :mod:`target`): named
queues bound to routing keys, one shared queue per topic, one own queue per
server.  Queues outlive their consumers, so a cast sent while a server
restarts waits for it; a non-fanout message for a key with no queue raises
:class:`Undeliverable`.  Every ``memory://NAME`` URL in a process is the same
bus; different names are separate buses (two cells, two test runs).  A bus
disappears when the last transport on it closes.

Nothing polls: publishing hands a message straight to a consumer that has
capacity (its handler submits it to a worker); a consumer that finishes a
message pulls the next one waiting.  Replies are handed to the caller's
waiter by the replying worker.
"""
from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
import uuid

from nubes.common.rpc.errors import MessagingError, Undeliverable
from nubes.common.rpc.target import Target, server_queues
from nubes.common.rpc.transport import Handler, Transport, TransportOptions

LOG = logging.getLogger(__name__)

_buses: dict[str, "_Bus"] = {}
_buses_lock = threading.Lock()


def vhost_of(url: str) -> str:
    return url.split("://", 1)[1].strip("/")


class _Consumer:
    """One subscription: a handler with a number of free slots (credit)."""

    def __init__(self, handler: Handler, capacity: int):
        self.handler = handler
        self.credit = capacity
        self.queues: list[_Queue] = []
        self.stopped = False
        self.delivering = 0
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)

    def take(self) -> bool:
        with self.lock:
            if self.stopped or self.credit <= 0:
                return False
            self.credit -= 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.credit += 1

    def deliver(self, queue: "_Queue", body: bytes) -> None:
        with self.lock:
            stopped = self.stopped
            if not stopped:
                self.delivering += 1
        if stopped:
            queue.put_back(body)
            return
        try:
            self.handler(body, self.done)
        finally:
            with self.lock:
                self.delivering -= 1
                if not self.delivering:
                    self.idle.notify_all()

    def done(self) -> None:
        self.give_back()
        for queue in self.queues:
            queue.pump()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
        for queue in self.queues:
            queue.detach(self)
        with self.lock:  # a delivery in progress finishes first
            while self.delivering:
                self.idle.wait()


class _Queue:
    def __init__(self, name: str):
        self.name = name
        self.messages: collections.deque[tuple[bytes, float | None]] = collections.deque()
        self.consumers: list[_Consumer] = []
        self.lock = threading.Lock()
        self._turn = itertools.count()

    def put(self, body: bytes, expires: float | None) -> None:
        with self.lock:
            self.messages.append((body, expires))
        self.pump()

    def put_back(self, body: bytes) -> None:
        with self.lock:
            self.messages.appendleft((body, None))
        self.pump()

    def attach(self, consumer: _Consumer) -> None:
        with self.lock:
            self.consumers.append(consumer)
        self.pump()

    def detach(self, consumer: _Consumer) -> None:
        with self.lock:
            if consumer in self.consumers:
                self.consumers.remove(consumer)

    def pump(self) -> None:
        """Hand waiting messages to consumers with free slots, round robin."""
        deliveries = []
        with self.lock:
            while self.messages and self.consumers:
                consumer = self._next_consumer()
                if consumer is None:
                    break
                body, expires = self.messages.popleft()
                if expires is not None and expires < time.monotonic():
                    consumer.give_back()
                    LOG.debug("dropping an expired message on %s", self.name)
                    continue
                deliveries.append((consumer, body))
        for consumer, body in deliveries:
            consumer.deliver(self, body)

    def _next_consumer(self) -> _Consumer | None:
        count = len(self.consumers)
        start = next(self._turn)
        for i in range(count):
            consumer = self.consumers[(start + i) % count]
            if consumer.take():
                return consumer
        return None


class _Bus:
    def __init__(self, vhost: str):
        self.vhost = vhost
        self.queues: dict[str, _Queue] = {}
        self.bindings: dict[str, list[_Queue]] = {}
        self.reply_waiters: dict[str, object] = {}
        self.lock = threading.Lock()
        self.refs = 0

    def declare(self, name: str, keys: list[str]) -> _Queue:
        with self.lock:
            queue = self.queues.get(name)
            if queue is None:
                queue = self.queues[name] = _Queue(name)
            for key in keys:
                bound = self.bindings.setdefault(key, [])
                if queue not in bound:
                    bound.append(queue)
            return queue

    def route(self, key: str) -> list[_Queue]:
        return self.bindings.get(key, [])


def _acquire_bus(vhost: str) -> _Bus:
    with _buses_lock:
        bus = _buses.get(vhost)
        if bus is None:
            bus = _buses[vhost] = _Bus(vhost)
        bus.refs += 1
        return bus


def _release_bus(bus: _Bus) -> None:
    with _buses_lock:
        bus.refs -= 1
        if bus.refs <= 0 and _buses.get(bus.vhost) is bus:
            del _buses[bus.vhost]


class MemoryTransport(Transport):
    def __init__(self, url: str, options: TransportOptions | None = None):
        super().__init__(url, options or TransportOptions())
        self._bus = _acquire_bus(vhost_of(url))
        self._address = "reply_" + uuid.uuid4().hex
        self._bus.reply_waiters[self._address] = self.replies
        self._consumers: list[_Consumer] = []
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise MessagingError(f"{self!r} is closed")

    def send(self, target: Target, body: bytes, *, deadline: float | None = None,
             ttl: float | None = None) -> None:
        self._check_open()
        queues = self._bus.route(target.routing_key())
        if not queues:
            if target.fanout:
                return
            raise Undeliverable(f"no server has ever listened on {target}")
        expires = time.monotonic() + ttl if ttl else None
        for queue in list(queues):
            queue.put(body, expires)

    def reply_address(self, deadline: float | None = None) -> str:
        self._check_open()
        return self._address

    def send_reply(self, address: str, body: bytes) -> None:
        waiters = self._bus.reply_waiters.get(address)
        if waiters is None:
            LOG.info("dropping a reply for %s: that caller is gone", address)
            return
        waiters.deliver(body)  # type: ignore[attr-defined]

    def subscribe(self, topic: str, server: str, handler: Handler, *,
                  capacity: int):
        self._check_open()
        consumer = _Consumer(handler, capacity)
        queues = [self._bus.declare(name, keys) for name, keys in server_queues(topic, server)]
        consumer.queues = queues
        self._consumers.append(consumer)
        for queue in queues:
            queue.attach(consumer)
        return consumer

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for consumer in self._consumers:
            consumer.stop()
        self._bus.reply_waiters.pop(self._address, None)
        self.replies.fail_all(MessagingError(f"{self!r} closed"))
        _release_bus(self._bus)
