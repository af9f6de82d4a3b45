"""Service records of a cell: registration and liveness reports.

A service registers once at start (get-or-create by host and binary: a
restarted agent gets its old row back, with the disabled flag an operator
set) and then reports every ``report_interval``: each report bumps
``report_count`` and sets ``last_seen_up``, and answers with the current
record so the service learns about ``disabled`` without another query.
"""
from __future__ import annotations

import logging

from nubes.cells.records import ServiceRecord
from nubes.cells.repo import services as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.conductor.cell.messages import ServiceConflict, ServiceNotFound

LOG = logging.getLogger(__name__)


def register(db: Database, *, host: str, binary: str, topic: str,
             version: int) -> ServiceRecord:
    def work(conn) -> ServiceRecord:
        now = utcnow()
        record = repo.find_live(conn, host, binary)
        if record is None:
            repo.insert_if_missing(conn, host=host, binary=binary, topic=topic,
                                   version=version, now=now)
            record = repo.find_live(conn, host, binary)
            if record is None:  # (host, topic) is taken by another binary
                raise ServiceConflict(
                    f"cannot register {binary} on {host}: topic {topic!r} of that "
                    "host belongs to another service")
            LOG.info("registered service %s on %s (%s)", binary, host, record.uuid)
        elif record.version != version:
            repo.set_version(conn, record.id, version, now)
            record = repo.get_live(conn, service_id=record.id)
        return record
    return db.write(work)


def report_alive(db: Database, service_id: int) -> ServiceRecord:
    def work(conn) -> ServiceRecord:
        if not repo.report_alive(conn, service_id, utcnow()):
            raise ServiceNotFound(f"service {service_id} does not exist")
        return repo.get_live(conn, service_id=service_id)
    return db.write(work)
