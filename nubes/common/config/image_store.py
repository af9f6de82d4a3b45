"""``[image_store]``: where the image API keeps image data (:mod:`nubes.image.store`).

Read by the image API (``nubes-image-api``, ``nubes.wsgi.image``, or the
image API inside the embedded cloud) when it stores, serves and deletes
image data.  The embedded cloud keeps its images in ``images/`` of its
state directory (``$state_path``, which ``nubes up`` sets).
"""
from __future__ import annotations

from oslo_config import cfg

# Glance's image_size_cap default: 1 TiB.
DEFAULT_MAX_IMAGE_SIZE = 1 << 40

IMAGE_STORE_OPTS = [
    cfg.StrOpt("filesystem_store_datadir", default="$state_path/images",
               help="Directory the filesystem store keeps image data in, one file per "
                    "image (glance's option of the same name).  Created when the first "
                    "image is uploaded."),
    cfg.IntOpt("max_image_size", default=DEFAULT_MAX_IMAGE_SIZE, min=0,
               help="The largest image, in bytes, an upload may store; a larger one is "
                    "refused with 413 and nothing of it is kept (glance's "
                    "image_size_cap)."),
]
