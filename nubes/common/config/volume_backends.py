"""``[file_backend]``: the ``file`` volume backend
(:mod:`nubes.volume.backends.file`): sparse raw files, one per volume.

Read by the volume API (which creates and deletes the files in this
release).  The embedded cloud keeps its volumes in ``volumes/`` of its
state directory.
"""
from __future__ import annotations

from oslo_config import cfg

FILE_BACKEND_OPTS = [
    cfg.StrOpt("volumes_dir", default="$state_path/volumes",
               help="Directory holding one subdirectory per pool, one sparse raw "
                    "file per volume in it.  Created when needed."),
    cfg.StrOpt("volume_backend_name", default="file",
               help="Name a volume type's volume_backend_name extra spec matches."),
    cfg.ListOpt("pools", default=["default"],
                help="Pool names; each is a subdirectory of volumes_dir."),
    cfg.IntOpt("total_capacity_gb", default=0, min=0,
               help="Capacity of each pool in GiB; 0: the size of the filesystem "
                    "holding volumes_dir."),
    cfg.IntOpt("reserved_percentage", default=0, min=0, max=100,
               help="Percentage of each pool's capacity kept free."),
]
