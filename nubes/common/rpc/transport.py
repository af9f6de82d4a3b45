"""The transport interface and its options.

A transport moves opaque bodies (see :mod:`envelope`) to targets and back:

* ``send(target, body)``: publish a request to a topic, a server or a fanout;
  raises :class:`Undeliverable` when no queue exists for a non-fanout target
  and :class:`DeliveryFailure` when the bus stays unreachable past the
  deadline.  A body that was sent has been accepted by the bus.
* ``reply_address()`` / ``send_reply(address, body)`` / ``replies``: the
  caller's reply queue, the server's way back to it, and the waiters that the
  replies wake.
* ``subscribe(topic, server, handler, capacity)``: deliver each message for
  that server (its topic's shared queue, its own queue, its topic's fanouts)
  as ``handler(body, done)``.  The handler must not block; it hands the body
  to a worker, which calls ``done()`` when finished.  At most ``capacity``
  bodies are outstanding (handed over and not done) per subscription; the
  rest wait on the bus, where a competing server can take them.

Choosing a transport by URL is :mod:`factory`'s work: the transports
(:mod:`memory`, :mod:`rabbit`) import this module, and this module imports
none of them.
"""
from __future__ import annotations

import abc
import dataclasses
import random
from typing import Callable, Iterator, Protocol

from nubes.common.rpc.errors import InvalidTarget
from nubes.common.rpc.replies import ReplyWaiters
from nubes.common.rpc.target import Target

Handler = Callable[[bytes, Callable[[], None]], None]


@dataclasses.dataclass(frozen=True)
class TransportOptions:
    """Tunables; :func:`factory.from_conf` fills them from the configuration."""
    heartbeat: int = 60                  # seconds; 0 disables (RabbitMQ)
    connect_timeout: float = 5.0
    retry_interval: float = 1.0          # first reconnect delay
    retry_step: float = 2.0              # added to the delay per failed attempt
    retry_max_interval: float = 30.0
    publish_timeout: float = 60.0        # how long a cast keeps retrying
    queue_ttl: int = 1800                # seconds an unused queue survives
    pool_size: int = 30                  # publisher connections per transport
    durable_queues: bool = False


def retry_delays(options: TransportOptions) -> Iterator[float]:
    """Reconnect delays: ``retry_interval``, then ``retry_step`` longer each
    time up to ``retry_max_interval``, with +-20% jitter so that many clients
    dropped at once do not reconnect in lock-step."""
    delay = options.retry_interval
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay = min(delay + options.retry_step, options.retry_max_interval)


class Subscription(Protocol):
    def stop(self) -> None:
        """Stop delivering; once it returns ``handler`` is not called again."""


class Transport(abc.ABC):
    """One bus (an in-process vhost or a RabbitMQ vhost)."""

    def __init__(self, url: str, options: TransportOptions):
        self.url = url
        self.options = options
        self.replies = ReplyWaiters()

    @abc.abstractmethod
    def send(self, target: Target, body: bytes, *, deadline: float | None = None,
             ttl: float | None = None) -> None:
        """Publish ``body``; ``deadline`` (monotonic) bounds retries, ``ttl``
        (seconds) drops the message if no server took it in time."""

    @abc.abstractmethod
    def reply_address(self, deadline: float | None = None) -> str:
        """This transport's reply queue, created on first use."""

    @abc.abstractmethod
    def send_reply(self, address: str, body: bytes) -> None:
        """Send a reply; a vanished caller is logged, not raised."""

    @abc.abstractmethod
    def subscribe(self, topic: str, server: str, handler: Handler, *,
                  capacity: int) -> Subscription:
        ...

    @abc.abstractmethod
    def close(self) -> None:
        """Stop subscriptions, wake waiting callers, drop connections."""

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {mask_url(self.url)}>"


def mask_url(url: str) -> str:
    """The URL with passwords hidden, for logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netlocs, slash, path = rest.partition("/")
    masked = []
    for entry in netlocs.split(","):
        creds, at, host = entry.rpartition("@")
        if at and ":" in creds:
            creds = creds.split(":", 1)[0] + ":****"
        masked.append(f"{creds}{at}{host}")
    return f"{scheme}://{','.join(masked)}{slash}{path}"


def scheme_of(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise InvalidTarget(f"transport URL {mask_url(url)!r} has no scheme")
    return scheme.lower()
