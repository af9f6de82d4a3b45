"""Build requests nobody works on, taken over.

A super-conductor leases the build requests it turns into instances
(:func:`nubes.cells.repo.build_requests.take`, ``[DEFAULT]
build_request_lease``).  Casts are acknowledged when taken, so a
super-conductor that dies loses the ``schedule_and_build_instances`` it
held, and a cast can be lost on its way; either way the build requests
stay, and the server would sit in BUILD for ever.  Every super-conductor
therefore looks, every fifth of the lease (at most every minute), for build
requests whose lease ran out or that nobody leased that long after the API
accepted them, and builds each again as a request of its own: the lease it
takes keeps two super-conductors from doing it twice, and a late original
cast finds the build request leased (or gone) and leaves it.

Taking over from an owner that died first undoes what it may have left
(:mod:`.leftovers`).
"""
from __future__ import annotations

import datetime
import logging

from nubes.cells.repo import build_requests
from nubes.common.context import RequestContext
from nubes.common.periodic import Periodic
from nubes.common.timeutils import utcnow
from nubes.conductor.super.api_level import ApiLevel
from nubes.conductor.super.build import ScheduleAndBuild
from nubes.scheduler.rpcapi import SchedulerAPI

LOG = logging.getLogger(__name__)
BATCH = 50


class LostBuilds:
    """The periodic check of one super-conductor."""

    def __init__(self, api: ApiLevel, scheduler: SchedulerAPI, name: str):
        self.api = api
        self.scheduler = scheduler
        lease = api.conf.build_request_lease
        self._periodic = Periodic(f"lost builds {name}", min(lease / 5, 60), self.check)

    def start(self) -> "LostBuilds":
        self._periodic.start()
        return self

    def stop(self) -> None:
        self._periodic.stop()

    def check(self) -> int:
        """Build again what nobody works on; how many were found."""
        now = utcnow()
        before = now - datetime.timedelta(seconds=self.api.conf.build_request_lease)
        uuids = self.api.api_db.read(
            lambda conn: build_requests.unattended(conn, now, before, BATCH))
        for uuid in uuids:
            if self._periodic.stopping:
                break
            ctx = RequestContext.admin(self.api.conf)
            LOG.warning("nobody is building %s (its super-conductor died or its cast was "
                        "lost); building it again", uuid)
            try:
                ScheduleAndBuild(self.api, self.scheduler, ctx, [uuid]).execute()
            except Exception:  # noqa: BLE001 - logged; the next check tries again
                LOG.exception("building %s again failed", uuid)
        return len(uuids)
