"""The volume manager as a running thing: an RPC server on topic
``cinder-volume`` (server: its ``[volume] host``) doing the work of
:mod:`.endpoint` on ``[volume] worker_threads`` threads.

``nubes-volume`` builds one from the configuration; the embedded cloud
and tests build it directly::

    manager = VolumeManager(conf, volume_db, transport).start()
    ...
    manager.stop()      # takes no more casts; finishes the ones taken

Several managers may serve one host name (they share its casts); each
volume's casts go to the managers of its pool's host.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from nubes.common import rpc
from nubes.common.db.transaction import Database
from nubes.volume.manager.endpoint import VolumeManagerEndpoint
from nubes.volume.manager.messages import TOPIC
from nubes.volume.manager.work import Work
from nubes.volume.repo import snapshots as snapshot_repo
from nubes.volume.repo import volumes as volume_repo

LOG = logging.getLogger(__name__)
# The states a volume or snapshot is in while a manager owes it work.
TRANSITIONAL = ("creating", "downloading", "deleting", "extending", "uploading")


class VolumeManager:
    def __init__(self, conf: Any, db: Database, transport: rpc.Transport, *,
                 host: str | None = None, work: Work | None = None):
        self.conf = conf
        self.db = db
        self.transport = transport
        self.host = host or conf.volume.host
        self.work = work or Work.from_conf(conf, db)
        self._endpoint = VolumeManagerEndpoint(self.work)
        self._server = rpc.RPCServer(transport, TOPIC, self.host, [self._endpoint],
                                     max_workers=conf.volume.worker_threads, conf=conf)

    def start(self) -> "VolumeManager":
        self._server.start()
        LOG.info("volume manager %s serving on %r", self.host, self.transport)
        return self

    def stop(self) -> None:
        self._server.stop()
        self.work.close()
        LOG.info("volume manager %s stopped", self.host)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no volume or snapshot waits for this service's work
        and none is running (tests, benchmarks); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.db.read(_owed) and self._endpoint._wait_idle(0):
                return True
            time.sleep(0.01)
        return False

    def __enter__(self) -> "VolumeManager":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _owed(conn) -> bool:
    return (volume_repo.any_in_status(conn, TRANSITIONAL)
            or snapshot_repo.any_in_status(conn, TRANSITIONAL))
