"""The message bus: transports, envelope, client, server.

``get_transport(url)`` picks ``memory://`` (in-process) or ``rabbit://``
(RabbitMQ via kombu); :class:`RPCClient` calls and casts, :class:`RPCServer`
dispatches to endpoint objects, :mod:`postcommit` sends casts after a
database commit.  Each service wraps these in its typed ``rpcapi.py``.
"""
from nubes.common.rpc.client import Outgoing, RPCClient
from nubes.common.rpc.errors import (DeliveryFailure, InvalidTarget, MessagingError,
                                     MessagingTimeout, NoSuchMethod, RemoteError,
                                     SerializationError, Undeliverable,
                                     UnsupportedVersion, allow)
from nubes.common.rpc.factory import from_conf, get_transport
from nubes.common.rpc.postcommit import PostCommitCasts, write_then_cast
from nubes.common.rpc.server import RPCServer
from nubes.common.rpc.target import Target
from nubes.common.rpc.transport import Transport, TransportOptions

__all__ = [
    "DeliveryFailure", "InvalidTarget", "MessagingError", "MessagingTimeout",
    "NoSuchMethod", "Outgoing", "PostCommitCasts", "RPCClient", "RPCServer",
    "RemoteError", "SerializationError", "Target", "Transport", "TransportOptions",
    "Undeliverable", "UnsupportedVersion", "allow", "from_conf", "get_transport",
    "write_then_cast",
]
