"""Where a message goes: a topic, one server of it, or every server of it.

Both transports route the same way, by routing key:

* ``topic``            -> the topic's shared queue; one of its servers gets it;
* ``topic.server``     -> that server's own queue;
* ``~fanout.topic``    -> every server's own queue (each gets a copy).

A server listens on the shared queue of its topic and on its own queue,
which is bound to both its ``topic.server`` key and the topic's fanout key.
Because a server's own queue outlives its connection, casts and fanouts sent
while it reconnects wait for it instead of being dropped.
"""
from __future__ import annotations

import dataclasses
import re

from nubes.common.rpc.errors import InvalidTarget

_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_SERVER_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,150}$")
FANOUT_PREFIX = "~fanout."


@dataclasses.dataclass(frozen=True)
class Target:
    topic: str
    server: str | None = None
    fanout: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.topic, str) or not _TOPIC_RE.match(self.topic):
            raise InvalidTarget(
                f"invalid topic {self.topic!r}: use letters, digits, '_' and '-'")
        if self.server is not None and (not isinstance(self.server, str)
                                        or not _SERVER_RE.match(self.server)):
            raise InvalidTarget(
                f"invalid server {self.server!r}: use letters, digits and '_.:@-'")
        if self.fanout and self.server is not None:
            raise InvalidTarget("a fanout target names a topic, not a server")

    def routing_key(self) -> str:
        if self.fanout:
            return fanout_key(self.topic)
        if self.server is not None:
            return server_key(self.topic, self.server)
        return self.topic

    def __str__(self) -> str:
        if self.fanout:
            return f"{self.topic} (fanout)"
        return self.routing_key()


def server_key(topic: str, server: str) -> str:
    return f"{topic}.{server}"


def fanout_key(topic: str) -> str:
    return FANOUT_PREFIX + topic


def server_queues(topic: str, server: str) -> list[tuple[str, list[str]]]:
    """The queues one server consumes: ``[(queue name, [binding keys])]``."""
    own = server_key(topic, server)
    return [(topic, [topic]), (own, [own, fanout_key(topic)])]
