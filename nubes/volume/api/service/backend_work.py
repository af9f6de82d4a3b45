"""The backends and the threads that do the slow part of a request after
it was answered: making a new volume's file, removing a deleted one's,
growing an extended one.  (A manager process on the bus takes this over
when the service is split; the service functions it runs stay the same.)
"""
from __future__ import annotations

import concurrent.futures
import logging
import threading
from typing import Callable

from nubes.common.db.transaction import Database
from nubes.volume.api.service import image_data
from nubes.volume.backends import Backends

LOG = logging.getLogger(__name__)


class BackendWork:
    def __init__(self, backends: Backends, db: Database, threads: int = 4, images=None):
        self.backends = backends
        self.db = db
        self.images = images        # the image API's client (None: none configured)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="volume-work")
        self._pending: set[concurrent.futures.Future] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_conf(cls, conf, db: Database) -> "BackendWork":
        return cls(Backends.from_conf(conf), db, conf.volume.worker_threads,
                   images=image_data.client(conf))

    def submit(self, fn: Callable[..., None], *args) -> None:
        """Run ``fn(self, *args)`` on a worker thread; its errors are logged."""
        def run():
            try:
                fn(self, *args)
            except Exception:  # noqa: BLE001 - a worker thread must not die silently
                LOG.exception("volume backend work %s failed", getattr(fn, "__name__", fn))
        future = self._pool.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until the work submitted so far has finished (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        concurrent.futures.wait(pending, timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self.images is not None:
            self.images.close()
