"""Choosing and building a transport: by URL, or from the configuration.

This is the one module that knows every transport class; the transports
import only the interface in :mod:`transport`, so there is no import cycle
between them.  The concrete modules are imported when a URL asks for them:
a process on ``memory://`` never loads kombu.

URLs: ``memory://[vhost]`` (in-process; each vhost its own bus) and
``rabbit://user:pass@host:port[,user:pass@host2:port]/vhost`` (RabbitMQ via
kombu; ``amqp://`` is accepted as the same).
"""
from __future__ import annotations

from typing import Any

from nubes.common.rpc.errors import InvalidTarget
from nubes.common.rpc.transport import Transport, TransportOptions, scheme_of


def get_transport(url: str, options: TransportOptions | None = None) -> Transport:
    """A new transport for ``url``; the caller closes it."""
    options = options or TransportOptions()
    scheme = scheme_of(url)
    if scheme == "memory":
        from nubes.common.rpc.memory import MemoryTransport
        return MemoryTransport(url, options)
    if scheme in ("rabbit", "amqp"):
        from nubes.common.rpc.rabbit import RabbitTransport
        return RabbitTransport(url, options)
    raise InvalidTarget(f"unsupported transport URL scheme {scheme!r} "
                        "(use memory:// or rabbit://)")


def options_from_conf(conf: Any) -> TransportOptions:
    rabbit = conf.oslo_messaging_rabbit
    return TransportOptions(
        heartbeat=rabbit.heartbeat_timeout_threshold,
        retry_interval=rabbit.rabbit_retry_interval,
        retry_step=rabbit.rabbit_retry_backoff,
        retry_max_interval=rabbit.rabbit_interval_max,
        publish_timeout=rabbit.publish_retry_timeout,
        queue_ttl=rabbit.rabbit_transient_queues_ttl,
        pool_size=conf.rpc_conn_pool_size,
        durable_queues=rabbit.amqp_durable_queues,
    )


def from_conf(conf: Any, url: str | None = None) -> Transport:
    """The transport for ``url`` (a cell's) or ``[DEFAULT] transport_url``."""
    url = url or conf.transport_url
    if not url:
        raise InvalidTarget("no transport_url configured")
    return get_transport(url, options_from_conf(conf))
