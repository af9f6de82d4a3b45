"""The generic RPC client that each service's typed ``rpcapi.py`` builds on.

::

    client = RPCClient(transport, Target("conductor"), timeout=60)
    client.cast(ctx, "build_instances", instances=[...])
    host = client.prepare(server="compute-1")
    result = host.call(ctx, "get_console", instance_uuid=uuid)
    client.fanout_cast(ctx, "refresh_cache")

``call`` waits for the reply and returns the endpoint's result, or raises
the endpoint's exception (its own class when registered as allowed in
:mod:`errors`, :class:`RemoteError` otherwise), :class:`MessagingTimeout`
when no reply came in time, :class:`Undeliverable` when nobody ever listened
on the target.  ``cast`` returns once the bus accepted the message.

Arguments are keyword-only JSON values; ``timeout`` is reserved by ``call``
(use ``prepare(timeout=...)`` to set it).  :meth:`RPCClient.message` encodes
a cast now and sends it later: see :mod:`postcommit`.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any

from nubes.common.context import RequestContext
from nubes.common.rpc import envelope
from nubes.common.rpc.errors import DeliveryFailure, InvalidTarget, MessagingTimeout
from nubes.common.rpc.target import Target
from nubes.common.rpc.transport import Transport

DEFAULT_TIMEOUT = 60.0
DEFAULT_VERSION = "1.0"
_UNSET: Any = object()


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """An encoded cast, ready to send (after a commit, say)."""
    transport: Transport
    target: Target
    body: bytes
    method: str

    def send(self) -> None:
        self.transport.send(self.target, self.body)


class RPCClient:
    def __init__(self, transport: Transport, target: Target, timeout: float | None = None,
                 *, version: str = DEFAULT_VERSION):
        self.transport = transport
        self.target = target
        self.timeout = DEFAULT_TIMEOUT if timeout is None else float(timeout)
        self.version = version

    def prepare(self, *, topic: str | None = None, server: Any = _UNSET,
                fanout: bool | None = None, timeout: float | None = None,
                version: str | None = None) -> "RPCClient":
        """A copy of this client aimed elsewhere (``server=None`` aims at the
        whole topic) or with another timeout or version."""
        target = Target(topic or self.target.topic,
                        self.target.server if server is _UNSET else server,
                        self.target.fanout if fanout is None else fanout)
        return RPCClient(self.transport, target,
                         self.timeout if timeout is None else timeout,
                         version=version or self.version)

    # --- operations ---------------------------------------------------------

    def call(self, ctx: RequestContext | None, method: str, /, *,
             timeout: float | None = None, **kwargs: Any) -> Any:
        if self.target.fanout:
            raise InvalidTarget("cannot call a fanout target; use fanout_cast")
        timeout = self.timeout if timeout is None else float(timeout)
        deadline = time.monotonic() + timeout
        transport = self.transport
        address = transport.reply_address(deadline)
        message_id, body = envelope.encode_request(ctx, method, kwargs,
                                                   version=self.version,
                                                   reply_to=address)
        waiter = transport.replies.expect(message_id)
        try:
            try:
                transport.send(self.target, body, deadline=deadline, ttl=timeout)
            except DeliveryFailure as exc:
                if time.monotonic() >= deadline and type(exc) is DeliveryFailure:
                    raise MessagingTimeout(
                        f"{method} on {self.target}: the bus stayed unreachable "
                        f"for {timeout:g}s") from exc
                raise
            reply = waiter.wait(deadline - time.monotonic())
        finally:
            transport.replies.forget(message_id)
        if reply is None:
            raise MessagingTimeout(
                f"no reply to {method} on {self.target} within {timeout:g}s")
        return reply.unwrap()

    def cast(self, ctx: RequestContext | None, method: str, /, **kwargs: Any) -> None:
        self.message(ctx, method, **kwargs).send()

    def fanout_cast(self, ctx: RequestContext | None, method: str, /, **kwargs: Any) -> None:
        """Cast to every server of the target's topic."""
        _, body = envelope.encode_request(ctx, method, kwargs, version=self.version)
        self.transport.send(Target(self.target.topic, fanout=True), body)

    def message(self, ctx: RequestContext | None, method: str, /, **kwargs: Any) -> Outgoing:
        """Encode a cast without sending it (serialisation errors surface
        here, inside the caller's transaction)."""
        _, body = envelope.encode_request(ctx, method, kwargs, version=self.version)
        return Outgoing(self.transport, self.target, body, method)

    def __repr__(self) -> str:
        return f"<RPCClient {self.target} on {self.transport!r}>"
