"""``[DEFAULT]`` logging and state options.

Read by every process: ``debug`` and ``log_file`` by the log setup
(:mod:`nubes.common.log`), ``state_path`` by the embedded cloud (``nubes
up``) for its SQLite files and state, and through ``$state_path`` by the
``[identity]`` file options.
"""
from __future__ import annotations

from oslo_config import cfg

DEFAULT_OPTS = [
    cfg.BoolOpt("debug", default=False, help="Log at DEBUG level."),
    cfg.StrOpt("log_file", help="Write logs to this file instead of stderr."),
    cfg.StrOpt("state_path", default="/var/lib/nubes",
               help="Where embedded-mode SQLite files and state live."),
]
