"""What the manager's work reaches: the backends it serves, the volume
database it writes outcomes to, and the image API's client (None: no
image endpoint configured)."""
from __future__ import annotations

import dataclasses

from nubes.common.db.transaction import Database
from nubes.volume import images as image_data
from nubes.volume.backends import Backends


@dataclasses.dataclass
class Work:
    backends: Backends
    db: Database
    images: object | None = None

    @classmethod
    def from_conf(cls, conf, db: Database) -> "Work":
        return cls(Backends.from_conf(conf), db, image_data.client(conf))

    def close(self) -> None:
        if self.images is not None:
            self.images.close()
