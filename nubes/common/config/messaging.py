"""The message bus: ``[DEFAULT] transport_url``, the ``[DEFAULT]`` RPC
options and ``[oslo_messaging_rabbit]``.

Read by every process on a bus (:mod:`nubes.common.rpc`): the compute API
(``nubes-api``, which casts to the super-conductor and the cells),
``nubes-scheduler``, ``nubes-conductor``, ``nubes-compute`` and the
embedded cloud; ``nubes-manage`` reads ``transport_url`` as a new cell's
default bus.
"""
from __future__ import annotations

from oslo_config import cfg

TRANSPORT_OPTS = [
    cfg.StrOpt("transport_url", secret=True,
               help="Message bus of this service's cell, e.g. "
                    "rabbit://user:pw@host:5672/cell1.  create_cell and "
                    "simple_cell_setup use it as the new cell's default."),
]

# The message bus (nubes.common.rpc).  Names follow oslo.messaging's so
# operators' habits carry over; nubes reads them itself.
RPC_OPTS = [
    cfg.IntOpt("rpc_response_timeout", default=60, min=1,
               help="Seconds an RPC call waits for its reply."),
    cfg.IntOpt("rpc_conn_pool_size", default=30, min=1,
               help="Publisher connections per message bus (RabbitMQ)."),
    cfg.IntOpt("executor_thread_pool_size", default=16, min=1,
               help="Worker threads of each RPC server."),
]

RABBIT_OPTS = [
    cfg.IntOpt("heartbeat_timeout_threshold", default=60, min=0,
               help="AMQP heartbeat timeout in seconds on consuming "
                    "connections (0 disables)."),
    cfg.FloatOpt("rabbit_retry_interval", default=1.0, min=0.01,
                 help="Seconds before the first reconnect attempt."),
    cfg.FloatOpt("rabbit_retry_backoff", default=2.0, min=0,
                 help="Seconds added to the delay after each failed attempt."),
    cfg.FloatOpt("rabbit_interval_max", default=30.0, min=0.01,
                 help="Longest delay between reconnect attempts."),
    cfg.IntOpt("rabbit_transient_queues_ttl", default=1800, min=1,
               help="Seconds a queue with no consumer survives (x-expires); "
                    "messages for a server away longer are dropped."),
    cfg.BoolOpt("amqp_durable_queues", default=False,
                help="Durable queues and persistent messages (survive a "
                     "broker restart, at a throughput cost)."),
    cfg.FloatOpt("publish_retry_timeout", default=60.0, min=0,
                 help="Seconds a cast keeps retrying while the broker is "
                      "unreachable before it raises (calls use their "
                      "own timeout)."),
]
