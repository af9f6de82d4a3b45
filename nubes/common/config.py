"""Option definitions and loading.

One ``ConfigOpts`` is built per process by :func:`load` and passed down
explicitly (it rides on the request context); there is no module-level
CONF.  Option names follow OpenStack's wherever one exists, so an
operator's ``nova.conf``/``placement.conf`` habits carry over to
``nubes.conf``.
"""
from __future__ import annotations

import os
import socket

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
    cfg.StrOpt("auth_strategy", default="keystone",
               choices=["noauth2", "keystone", "nubes_token"],
               help="noauth2 trusts X-Auth-Token/X-User-Id/X-Project-Id/X-Roles "
                    "headers (development and tests only); keystone validates "
                    "tokens with keystonemiddleware; nubes_token checks the "
                    "signed tokens of the embedded identity service with the "
                    "secret in [identity] token_secret_file."),
    cfg.IntOpt("max_limit", default=1000, min=1,
               help="The most items one list request returns."),
    cfg.BoolOpt("enable_instance_password", default=True,
                help="Return a generated adminPass when a server is created."),
]

# The compute API's view of services and availability zones (nova's names).
COMPUTE_OPTS = [
    cfg.IntOpt("service_down_time", default=60, min=1,
               help="Seconds since a service's last heartbeat after which it is "
                    "reported down."),
    cfg.StrOpt("default_availability_zone", default="nova",
               help="Availability zone of compute hosts in no aggregate that "
                    "names one."),
    cfg.StrOpt("internal_service_availability_zone", default="internal",
               help="Availability zone shown for services other than "
                    "nova-compute (conductors, schedulers)."),
]

# How other services reach placement (nubes.placement.client).
PLACEMENT_CLIENT_OPTS = [
    cfg.StrOpt("endpoint",
               help="Base URL of the placement API, e.g. http://127.0.0.1:8778."),
    cfg.StrOpt("token", secret=True,
               help="X-Auth-Token sent to placement (with noauth2 placement, "
                    "'admin')."),
    cfg.FloatOpt("timeout", default=30.0, min=0.1,
                 help="Seconds to wait for placement to answer one request."),
    cfg.IntOpt("conflict_retries", default=4, min=0,
               help="Retries of a read-modify-write call (e.g. a provider's "
                    "aggregates) after placement reports a concurrent update."),
]

def _database_opts(what: str, example: str) -> list[cfg.Opt]:
    return [
        cfg.StrOpt("connection", secret=True,
                   help=f"SQLAlchemy URL of the {what}, e.g. {example}."),
        cfg.IntOpt("max_pool_size", default=10, min=1),
        cfg.IntOpt("max_overflow", default=20, min=0),
        cfg.IntOpt("max_retries", default=10, min=0,
                   help="Retries of a transaction that hit a deadlock, a "
                        "serialisation failure or a lost generation race."),
    ]


PLACEMENT_DATABASE_OPTS = _database_opts(
    "placement database", "mysql+pymysql://user:pw@host/placement")

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


# [identity]: the embedded cloud's development identity service
# (nubes.identity) and the nubes_token auth strategy that checks its tokens.
IDENTITY_OPTS = [
    cfg.StrOpt("token_secret_file", default="$state_path/token_secret",
               help="File holding the HMAC secret that signs and checks "
                    "nubes tokens; `nubes up` creates it.  Every API using "
                    "auth_strategy = nubes_token must read the same file."),
    cfg.StrOpt("revoked_tokens_file", default="$state_path/revoked_tokens",
               help="Audit ids of revoked tokens, shared by every API that "
                    "checks nubes tokens on this host."),
    cfg.IntOpt("token_expiration", default=3600, min=60,
               help="Seconds a token stays valid."),
    cfg.StrOpt("users_file", default="$state_path/identity.yaml",
               help="Users, password hashes, projects and role assignments "
                    "(YAML; `nubes up` writes a default one)."),
    cfg.StrOpt("region_name", default="RegionOne",
               help="Region of every endpoint in the service catalog."),
    cfg.StrOpt("public_endpoint",
               help="Identity URL as clients reach it, e.g. "
                    "http://127.0.0.1:5000 (catalog, version documents, "
                    "WWW-Authenticate); default: the URL a request came in on."),
    cfg.StrOpt("compute_endpoint",
               help="Catalog URL of compute, e.g. http://127.0.0.1:8774/v2.1; "
                    "unset leaves compute out of the catalog (as for the "
                    "options below)."),
    cfg.StrOpt("placement_endpoint", help="Catalog URL of placement."),
    cfg.StrOpt("volume_endpoint",
               help="Catalog URL of block storage (types block-storage and "
                    "volumev3); %(project_id)s or $(project_id)s becomes the "
                    "token's project, e.g. http://127.0.0.1:8776/v3/%(project_id)s."),
    cfg.StrOpt("image_endpoint", help="Catalog URL of the image service."),
]


# [image_database] and [image]: the minimal Image API v2 (nubes.image).
IMAGE_DATABASE_OPTS = _database_opts(
    "image database", "mysql+pymysql://user:pw@host/nubes_image")

IMAGE_OPTS = [
    cfg.IntOpt("limit_param_default", default=25, min=1,
               help="Images one list request returns when it names no limit "
                    "(glance's option of the same name)."),
    cfg.IntOpt("api_limit_max", default=1000, min=1,
               help="The most images one list request returns."),
]

# [quota]: default limits (nova's names and defaults; -1 means
# unlimited) and the super-conductor's recheck (nubes.cells.quota).
QUOTA_OPTS = [
    cfg.IntOpt("instances", default=10, min=-1, help="Servers per project."),
    cfg.IntOpt("cores", default=20, min=-1, help="Instance cores (VCPU) per project."),
    cfg.IntOpt("ram", default=51200, min=-1, help="Megabytes of instance RAM per project."),
    cfg.IntOpt("metadata_items", default=128, min=-1, help="Metadata items per server."),
    cfg.IntOpt("injected_files", default=5, min=-1, help="Injected files per server."),
    cfg.IntOpt("injected_file_content_bytes", default=10240, min=-1,
               help="Bytes of one injected file."),
    cfg.IntOpt("injected_file_path_length", default=255, min=-1,
               help="Characters of an injected file's path."),
    cfg.IntOpt("key_pairs", default=100, min=-1, help="Key pairs per user."),
    cfg.IntOpt("server_groups", default=10, min=-1, help="Server groups per project."),
    cfg.IntOpt("server_group_members", default=10, min=-1,
               help="Servers per server group."),
    cfg.BoolOpt("recheck_quota", default=True,
                help="Count instances, cores and RAM again after scheduling, "
                     "before the servers are created in their cells: a "
                     "request that racing creates pushed over quota goes to "
                     "ERROR (in cell0, with a quota fault) instead of "
                     "exceeding it."),
]


# The compute agent (nubes-compute) and its resource tracker; nova's names.
COMPUTE_AGENT_OPTS = [
    cfg.StrOpt("host", default=socket.gethostname(), sample_default="<hostname>",
               help="Name of this service's host: its service record, its RPC "
                    "server name and its host mapping.  nubes-compute --host "
                    "or --hosts overrides it."),
    cfg.FloatOpt("report_interval", default=10.0, min=0.05,
                 help="Seconds between two liveness reports of a service."),
    cfg.FloatOpt("update_resources_interval", default=60.0, min=0.05,
                 help="Seconds between two syncs of a compute host's resources "
                      "to placement and its compute node records."),
    cfg.StrOpt("compute_driver", default="fake",
               choices=["fake", "fake_baremetal"],
               help="Virt driver: fake (a simulated hypervisor, one node per "
                    "host) or fake_baremetal (nodes of one custom resource "
                    "class)."),
    cfg.FloatOpt("cpu_allocation_ratio", min=0.0,
                 help="VCPU allocation ratio set on this host's provider; unset "
                      "keeps whatever placement holds (initial_cpu_allocation_"
                      "ratio for a new provider)."),
    cfg.FloatOpt("ram_allocation_ratio", min=0.0,
                 help="MEMORY_MB allocation ratio (see cpu_allocation_ratio)."),
    cfg.FloatOpt("disk_allocation_ratio", min=0.0,
                 help="DISK_GB allocation ratio (see cpu_allocation_ratio)."),
    cfg.FloatOpt("initial_cpu_allocation_ratio", default=4.0, min=0.0,
                 help="VCPU allocation ratio of a new provider when "
                      "cpu_allocation_ratio is unset."),
    cfg.FloatOpt("initial_ram_allocation_ratio", default=1.0, min=0.0,
                 help="MEMORY_MB allocation ratio of a new provider."),
    cfg.FloatOpt("initial_disk_allocation_ratio", default=1.0, min=0.0,
                 help="DISK_GB allocation ratio of a new provider."),
    cfg.IntOpt("reserved_host_memory_mb", default=512, min=0,
               help="MEMORY_MB reserved for the host (reported as reserved)."),
    cfg.IntOpt("reserved_host_disk_mb", default=0, min=0,
               help="Disk reserved for the host, in MB (DISK_GB reserved is "
                    "this rounded up to GB)."),
    cfg.IntOpt("reserved_host_cpus", default=0, min=0,
               help="VCPUs reserved for the host."),
]

COMPUTE_GROUP_OPTS = [
    cfg.IntOpt("resource_provider_association_refresh", default=300, min=0,
               help="Seconds after which a compute host re-reads its providers' "
                    "inventories, traits and aggregates from placement (0: "
                    "only at start and after a conflict)."),
]

# [fake_driver]: the simulated hypervisor (nubes.compute.virt.fake).
FAKE_DRIVER_OPTS = [
    cfg.IntOpt("vcpus", default=16, min=0, help="VCPUs of each fake host."),
    cfg.IntOpt("memory_mb", default=32768, min=0, help="Memory of each fake host."),
    cfg.IntOpt("local_gb", default=500, min=0, help="Local disk of each fake host."),
    cfg.MultiStrOpt("host_size", default=[],
                    help="Per-host sizes, repeatable: 'HOST vcpus=N memory_mb=M "
                         "local_gb=G' (HOST may be a glob like cell1-*; the "
                         "last matching line wins; unnamed sizes keep the "
                         "defaults above)."),
    cfg.ListOpt("capabilities",
                default=["COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_VOLUME_ATTACH_WITH_TAG",
                         "COMPUTE_VOLUME_EXTEND", "COMPUTE_VOLUME_MULTI_ATTACH",
                         "COMPUTE_DEVICE_TAGGING", "COMPUTE_TRUSTED_CERTS",
                         "COMPUTE_IMAGE_TYPE_RAW", "COMPUTE_IMAGE_TYPE_QCOW2"],
                help="COMPUTE_* capability traits the fake hosts report."),
    cfg.ListOpt("fail", default=[],
                help="Injected failures: OPERATION or OPERATION@HOST-GLOB "
                     "(operations: init_host, node_resources, spawn, destroy, "
                     "reboot, power_off, power_on); the operation "
                     "raises on the matching hosts."),
]

# [fake_baremetal]: the simulated bare-metal driver.
FAKE_BAREMETAL_OPTS = [
    cfg.IntOpt("nodes_per_host", default=2, min=0,
               help="Bare-metal nodes each compute host manages."),
    cfg.StrOpt("resource_class", default="baremetal",
               help="The nodes' resource class, normalised as nova does "
                    "(baremetal-gold -> CUSTOM_BAREMETAL_GOLD)."),
    cfg.ListOpt("node_traits", default=[],
                help="Extra CUSTOM_* traits of every node."),
]

# [scheduler]: nubes-scheduler (nubes.scheduler); plugin names are
# nubes's, nova's filter class names are accepted as aliases.
SCHEDULER_OPTS = [
    cfg.IntOpt("max_placement_results", default=1000, min=1,
               help="Allocation candidates asked of placement per request "
                    "(left off for server groups and requested hosts, which "
                    "need every candidate)."),
    cfg.IntOpt("max_attempts", default=3, min=1,
               help="Destinations returned per instance: the claimed one plus "
                    "up to max_attempts - 1 unclaimed alternates from its cell."),
    cfg.ListOpt("enabled_prefilters", default=["availability_zone", "disabled_compute"],
                help="Prefilters, in order: they add constraints to the "
                     "placement query (availability_zone, disabled_compute)."),
    cfg.ListOpt("enabled_filters",
                default=["compute_up", "availability_zone", "image_properties",
                         "server_group_anti_affinity", "server_group_affinity"],
                help="Host filters, in order (compute_up, availability_zone, "
                     "image_properties, server_group_affinity, "
                     "server_group_anti_affinity)."),
    cfg.ListOpt("enabled_weighers", default=["ram", "cpu", "disk"],
                help="Weighers (ram, cpu, disk): each one's weights are "
                     "normalised to 0..1, multiplied and summed."),
    cfg.FloatOpt("ram_weight_multiplier", default=1.0,
                 help="Free RAM weight; negative stacks instead of spreading."),
    cfg.FloatOpt("cpu_weight_multiplier", default=1.0,
                 help="Free VCPU weight; negative stacks instead of spreading."),
    cfg.FloatOpt("disk_weight_multiplier", default=1.0,
                 help="Free disk weight; negative stacks instead of spreading."),
    cfg.IntOpt("host_subset_size", default=1, min=1,
               help="Pick at random among this many best-weighed hosts (more "
                    "than 1 spreads racing schedulers apart)."),
    cfg.BoolOpt("shuffle_best_same_weighed_hosts", default=False,
                help="Shuffle the hosts that share the best weight."),
    cfg.IntOpt("claim_retries", default=3, min=0,
               help="Retries of a claim on one host when placement reports a "
                    "resource provider generation race."),
    cfg.FloatOpt("host_state_cache_ttl", default=5.0, min=0.0,
                 help="Seconds compute node, service, host mapping and "
                      "aggregate rows are reused between scheduling requests "
                      "(0: read them for every request)."),
    cfg.FloatOpt("cell_timeout", default=30.0, min=0.1,
                 help="Seconds to wait for a cell database when loading hosts; "
                      "a cell that does not answer contributes no hosts."),
    cfg.IntOpt("workers", default=16, min=1,
               help="Scheduling requests served at once by one nubes-scheduler."),
]

# How the compute API reaches the image API (nubes.image.client).
IMAGE_CLIENT_OPTS = [
    cfg.StrOpt("endpoint",
               help="Base URL of the image API, e.g. http://127.0.0.1:9292; unset: "
                    "[identity] image_endpoint."),
    cfg.StrOpt("token", secret=True,
               help="X-Auth-Token sent when the caller's own token is not known "
                    "(with noauth2 image API, 'admin')."),
    cfg.FloatOpt("timeout", default=30.0, min=0.1,
                 help="Seconds to wait for the image API to answer one request."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(DEFAULT_OPTS)
    conf.register_opts(API_OPTS, group="api")
    conf.register_opts(IDENTITY_OPTS, group="identity")
    conf.register_opts(PLACEMENT_DATABASE_OPTS, group="placement_database")
    conf.register_opts(PLACEMENT_OPTS, group="placement")
    conf.register_opts(COMPUTE_OPTS)
    conf.register_opts(PLACEMENT_CLIENT_OPTS, group="placement_client")
    conf.register_opts(IMAGE_CLIENT_OPTS, group="image_client")
    conf.register_opts(CORS_OPTS, group="cors")
    conf.register_opts(RPC_OPTS)
    conf.register_opts(RABBIT_OPTS, group="oslo_messaging_rabbit")
    conf.register_opts(TRANSPORT_OPTS)
    conf.register_opts(API_DATABASE_OPTS, group="api_database")
    conf.register_opts(CELL_DATABASE_OPTS, group="database")
    conf.register_opts(COMPUTE_AGENT_OPTS)
    conf.register_opts(COMPUTE_GROUP_OPTS, group="compute")
    conf.register_opts(FAKE_DRIVER_OPTS, group="fake_driver")
    conf.register_opts(FAKE_BAREMETAL_OPTS, group="fake_baremetal")
    conf.register_opts(IMAGE_DATABASE_OPTS, group="image_database")
    conf.register_opts(IMAGE_OPTS, group="image")
    conf.register_opts(QUOTA_OPTS, group="quota")
    conf.register_opts(SCHEDULER_OPTS, group="scheduler")
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
