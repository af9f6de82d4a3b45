"""``[image]``: list limits of the minimal Image API v2 (:mod:`nubes.image`).

Read by the image API (``nubes-image-api``, or the image API inside the
embedded cloud) when it lists images.  Its database is
``[image_database]`` (:mod:`nubes.common.config.database`).
"""
from __future__ import annotations

from oslo_config import cfg

IMAGE_OPTS = [
    cfg.IntOpt("limit_param_default", default=25, min=1,
               help="Images one list request returns when it names no limit "
                    "(glance's option of the same name)."),
    cfg.IntOpt("api_limit_max", default=1000, min=1,
               help="The most images one list request returns."),
]
