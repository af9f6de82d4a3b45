"""``[volume]``, ``[volume_database]`` and ``[volume_quota]``: the block
storage service (:mod:`nubes.volume`).

Read by the volume API (``nubes-volume-api``, ``nubes.wsgi.volume``, or the
volume API inside the embedded cloud) and the volume manager
(``nubes-volume``, or inside the embedded cloud).  Its backends are configured in
:mod:`nubes.common.config.volume_backends`.
"""
from __future__ import annotations

from oslo_config import cfg

VOLUME_OPTS = [
    cfg.StrOpt("host", default="nubes",
               help="Host part of every volume's backend location "
                    "(``<host>@<backend>#<pool>``, shown to admins as "
                    "os-vol-host-attr:host); cinder's [DEFAULT] host."),
    cfg.ListOpt("enabled_backends", default=["file"],
                help="Backends that hold volumes (only ``file`` in this release)."),
    cfg.StrOpt("default_volume_type", default="__DEFAULT__",
               help="Volume type of a volume created without one; the service "
                    "creates it when it does not exist."),
    cfg.StrOpt("storage_availability_zone", default="nova",
               help="Availability zone of this service's backends."),
    cfg.StrOpt("default_availability_zone",
               help="Zone of a volume created without one; default: "
                    "storage_availability_zone."),
    cfg.IntOpt("osapi_max_limit", default=1000, min=1,
               help="The most items one list request returns (cinder's option)."),
    cfg.IntOpt("worker_threads", default=4, min=1,
               help="Threads of the volume manager that create, copy, extend, "
                    "upload and delete volumes on the backends after the API "
                    "answered the request."),
    cfg.StrOpt("transport_url", secret=True,
               help="The bus the volume API casts to the volume manager on "
                    "(topic cinder-volume); default: [DEFAULT] transport_url."),
]

VOLUME_DATABASE_OPTS = [
    cfg.StrOpt("connection", secret=True,
               help="SQLAlchemy URL of the volume database, e.g. "
                    "mysql+pymysql://user:pw@host/nubes_volume."),
    cfg.IntOpt("max_pool_size", default=10, min=1),
    cfg.IntOpt("max_overflow", default=20, min=0),
    cfg.IntOpt("max_retries", default=10, min=0,
               help="Retries of a transaction that hit a deadlock or a "
                    "serialisation failure."),
]

# Cinder's defaults, under its option names.
VOLUME_QUOTA_OPTS = [
    cfg.IntOpt("quota_volumes", default=10, min=-1,
               help="Volumes a project may have (-1: no limit)."),
    cfg.IntOpt("quota_snapshots", default=10, min=-1,
               help="Snapshots a project may have (-1: no limit)."),
    cfg.IntOpt("quota_gigabytes", default=1000, min=-1,
               help="Gigabytes of volumes and snapshots a project may have (-1: no limit)."),
    cfg.IntOpt("quota_backups", default=10, min=-1, help="Backups (reserved for later)."),
    cfg.IntOpt("quota_backup_gigabytes", default=1000, min=-1,
               help="Backup gigabytes (reserved for later)."),
    cfg.IntOpt("quota_groups", default=10, min=-1, help="Groups (reserved for later)."),
    cfg.IntOpt("per_volume_size_limit", default=-1, min=-1,
               help="The largest volume, in GiB, a project may create (-1: no limit)."),
]
