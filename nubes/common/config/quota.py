"""``[quota]``: default limits (nova's names and defaults; -1 means
unlimited) and the super-conductor's recheck (:mod:`nubes.cells.quota`).

Read by the compute API (``nubes-api``: limits, quota sets, server and key
pair creation) and the super-conductor (``nubes-conductor``: the recheck
after scheduling).
"""
from __future__ import annotations

from oslo_config import cfg

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
