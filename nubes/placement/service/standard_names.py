"""Standard resource classes and traits, synced into the database at start-up.

Several API workers may start at once: inserts skip rows another worker
already wrote.
"""
from __future__ import annotations

import os_resource_classes
import os_traits

from nubes.common.db.transaction import Database
from nubes.placement.repo import resource_classes as rc_repo
from nubes.placement.repo import traits as trait_repo

STANDARD_CLASSES = frozenset(os_resource_classes.STANDARDS)
STANDARD_TRAITS = frozenset(os_traits.get_traits())
CUSTOM_PREFIX = "CUSTOM_"


def sync(db: Database) -> None:
    def work(conn):
        rc_repo.insert_missing(conn, list(os_resource_classes.STANDARDS))
        trait_repo.insert_missing(conn, sorted(STANDARD_TRAITS))
    db.write(work)
