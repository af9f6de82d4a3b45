"""Callers waiting for replies, keyed by message id.

Each transport owns one :class:`ReplyWaiters`; its reply consumer (a thread
for RabbitMQ, the replying worker itself for the in-process bus) hands every
reply body to :meth:`ReplyWaiters.deliver`, which wakes the one caller
waiting for that id.  Replies nobody waits for any more (the call timed out)
are dropped with a debug line.
"""
from __future__ import annotations

import logging
import threading

from nubes.common.rpc import envelope
from nubes.common.rpc.errors import MessagingError

LOG = logging.getLogger(__name__)


class Waiter:
    __slots__ = ("_event", "reply", "error")

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reply: envelope.Reply | None = None
        self.error: BaseException | None = None

    def set(self, reply: envelope.Reply | None = None,
            error: BaseException | None = None) -> None:
        self.reply, self.error = reply, error
        self._event.set()

    def wait(self, timeout: float | None) -> envelope.Reply | None:
        """The reply, ``None`` on timeout; raises if the transport closed."""
        if timeout is not None and timeout <= 0:
            ready = self._event.is_set()
        else:
            ready = self._event.wait(timeout)
        if not ready:
            return None
        if self.error is not None:
            raise self.error
        return self.reply


class ReplyWaiters:
    def __init__(self) -> None:
        self._waiters: dict[str, Waiter] = {}
        self._lock = threading.Lock()

    def expect(self, message_id: str) -> Waiter:
        waiter = Waiter()
        with self._lock:
            self._waiters[message_id] = waiter
        return waiter

    def forget(self, message_id: str) -> None:
        with self._lock:
            self._waiters.pop(message_id, None)

    def deliver(self, body: bytes) -> None:
        try:
            reply = envelope.decode_reply(body)
        except MessagingError:
            LOG.warning("dropping a malformed reply")
            return
        with self._lock:
            waiter = self._waiters.pop(reply.id, None)
        if waiter is None:
            LOG.debug("dropping a reply nobody waits for (%s)", reply.id)
            return
        waiter.set(reply)

    def fail_all(self, error: BaseException) -> None:
        """Wake every waiting caller with ``error`` (the transport closed)."""
        with self._lock:
            waiters, self._waiters = self._waiters, {}
        for waiter in waiters.values():
            waiter.set(error=error)

    def __len__(self) -> int:
        return len(self._waiters)
