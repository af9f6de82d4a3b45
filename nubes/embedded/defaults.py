"""What a fresh embedded cloud starts with: devstack's m1 flavors (API
database) and one public, active image called ``cirros`` (image
database; its data, a small placeholder, in the image store: an empty
qcow2 disk of 1 MiB, so what reads it as qcow2 — a volume made from it —
finds a valid one).  Created
once: a marker file in the state directory records it, so flavors or
images an operator deletes stay deleted."""
from __future__ import annotations

import base64
import os
import zlib

from nubes.api.compute.service import flavors as flavor_service
from nubes.common.db.transaction import Database
from nubes.image import store as image_store
from nubes.image.service import images as image_service

IMAGE_NAME = "cirros"
# `qemu-img create -f qcow2 -o cluster_size=512 cirros.qcow2 1M`, compressed.
IMAGE_DATA = zlib.decompress(base64.b64decode(
    "eNoLdPP8zcDAwMyACjjBpACcrwCh2KBcJhDByEAcYAHiAoZRMIgBy2gQjFTACIWjYBSMQAAA+CMCnQ=="))


def seed(api_db: Database, image_db: Database, store: image_store.Store | None = None
         ) -> None:
    flavor_service.seed_defaults(api_db)
    image_service.seed(image_db, store, name=IMAGE_NAME, disk_format="qcow2",
                       container_format="bare", data=IMAGE_DATA,
                       properties={"os_distro": "cirros", "hw_architecture": "x86_64"})


def seed_once(marker: str, api_db: Database, image_db: Database,
              store: image_store.Store | None = None) -> bool:
    """Seed unless ``marker`` exists; True when it seeded now."""
    if os.path.exists(marker):
        return False
    seed(api_db, image_db, store)
    with open(marker, "w") as f:
        f.write("default flavors and image created; delete this file to create them "
                "again at the next start\n")
    return True
