"""Option definitions and loading.

One ``ConfigOpts`` is built per process by :func:`load` and passed down
explicitly (it rides on the request context); there is no module-level
CONF.  Option names follow OpenStack's wherever one exists, so an
operator's ``nova.conf``/``placement.conf`` habits carry over to
``nubes.conf``.
"""
from __future__ import annotations

import os

from oslo_config import cfg
from oslo_policy import opts as policy_opts

CONFIG_ENV = "NUBES_CONFIG_FILE"

DEFAULT_OPTS = [
    cfg.BoolOpt("debug", default=False, help="Log at DEBUG level."),
    cfg.StrOpt("log_file", help="Write logs to this file instead of stderr."),
    cfg.StrOpt("state_path", default="/var/lib/nubes",
               help="Where embedded-mode SQLite files and state live."),
]

API_OPTS = [
    cfg.StrOpt("auth_strategy", default="keystone", choices=["noauth2", "keystone"],
               help="noauth2 trusts X-Auth-Token/X-User-Id/X-Project-Id/X-Roles "
                    "headers (development and tests only); keystone validates "
                    "tokens with keystonemiddleware."),
    cfg.IntOpt("max_limit", default=1000, min=1,
               help="The most items one list request returns."),
]

PLACEMENT_DATABASE_OPTS = [
    cfg.StrOpt("connection", secret=True,
               help="SQLAlchemy URL of the placement database, e.g. "
                    "sqlite:////var/lib/nubes/placement.sqlite, "
                    "mysql+pymysql://user:pw@host/placement, "
                    "postgresql+psycopg://user:pw@host/placement."),
    cfg.IntOpt("max_pool_size", default=10, min=1),
    cfg.IntOpt("max_overflow", default=20, min=0),
    cfg.IntOpt("max_retries", default=10, min=0,
               help="Retries of a transaction that hit a deadlock, a "
                    "serialisation failure or a generation race."),
]

PLACEMENT_OPTS = [
    cfg.BoolOpt("randomize_allocation_candidates", default=False,
                help="Shuffle allocation candidates before applying limit; "
                     "otherwise they come in a stable order."),
    cfg.StrOpt("incomplete_consumer_project_id",
               default="00000000-0000-0000-0000-000000000000",
               help="Project recorded for consumers created by requests "
                    "older than microversion 1.8 that carry no project."),
    cfg.StrOpt("incomplete_consumer_user_id",
               default="00000000-0000-0000-0000-000000000000",
               help="User recorded for consumers created by requests older "
                    "than microversion 1.8 that carry no user."),
    cfg.IntOpt("max_allocation_candidates", default=-1,
               help="Upper bound on candidates generated per request before "
                    "limit applies (-1: no bound beyond limit)."),
]

TRANSPORT_OPTS = [
    cfg.StrOpt("transport_url", secret=True,
               help="Message bus of this service's cell, e.g. "
                    "rabbit://user:pw@host:5672/cell1.  create_cell and "
                    "simple_cell_setup use it as the new cell's default."),
]


def _database_opts(what: str, example: str) -> list[cfg.Opt]:
    return [
        cfg.StrOpt("connection", secret=True,
                   help=f"SQLAlchemy URL of the {what}, e.g. {example}."),
        cfg.IntOpt("max_pool_size", default=10, min=1),
        cfg.IntOpt("max_overflow", default=20, min=0),
        cfg.IntOpt("max_retries", default=10, min=0,
                   help="Retries of a transaction that hit a deadlock or a "
                        "serialisation failure."),
    ]


# [api_database]: the one API database (cell, host and instance mappings,
# flavors, quotas, ...).  [database]: this service's own cell database.
API_DATABASE_OPTS = _database_opts(
    "API database", "mysql+pymysql://user:pw@host/nubes_api")
CELL_DATABASE_OPTS = _database_opts(
    "cell database of this service (map_cell0 derives cell0's by adding "
    "'_cell0' to the database name)", "mysql+pymysql://user:pw@host/nubes_cell1")

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

CORS_OPTS = [
    cfg.ListOpt("allowed_origin", default=[],
                help="Origins allowed to make cross-site requests; empty "
                     "disables CORS."),
    cfg.ListOpt("allow_headers",
                default=["Content-Type", "X-Auth-Token", "X-OpenStack-Request-ID",
                         "OpenStack-API-Version"],
                help="Headers a cross-site request may carry."),
    cfg.ListOpt("expose_headers",
                default=["X-OpenStack-Request-ID", "OpenStack-API-Version"],
                help="Response headers exposed to cross-site callers."),
    cfg.BoolOpt("allow_credentials", default=True),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(API_OPTS, group="api")
    conf.register_opts(PLACEMENT_DATABASE_OPTS, group="placement_database")
    conf.register_opts(PLACEMENT_OPTS, group="placement")
    conf.register_opts(CORS_OPTS, group="cors")
    conf.register_opts(RPC_OPTS)
    conf.register_opts(RABBIT_OPTS, group="oslo_messaging_rabbit")
    conf.register_opts(TRANSPORT_OPTS)
    conf.register_opts(API_DATABASE_OPTS, group="api_database")
    conf.register_opts(CELL_DATABASE_OPTS, group="database")
    for group, opts in policy_opts.list_opts():
        conf.register_opts(opts, group=group)


def load(args: list[str] | None = None, *, config_files: list[str] | None = None,
         overrides: dict[str, dict[str, object]] | None = None,
         prog: str = "nubes") -> cfg.ConfigOpts:
    """Build and parse a fresh ``ConfigOpts``.

    ``config_files`` defaults to ``$NUBES_CONFIG_FILE`` when it is set.
    ``overrides`` maps group -> {option: value} ("DEFAULT" for the default
    group); tests and the embedded cloud use it instead of writing files.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    if config_files is None:
        env_file = os.environ.get(CONFIG_ENV)
        config_files = [env_file] if env_file else []
    for path in config_files:
        if not os.path.exists(path):
            raise FileNotFoundError(f"config file {path} does not exist")
    conf(args if args is not None else [], project="nubes", prog=prog,
         default_config_files=config_files, default_config_dirs=[])
    for group, values in (overrides or {}).items():
        for name, value in values.items():
            conf.set_override(name, value, group=None if group == "DEFAULT" else group)
    return conf
