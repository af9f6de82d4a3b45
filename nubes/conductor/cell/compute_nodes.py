"""Compute node records: created and kept current from the agents' reports.

A node is identified by (host, hypervisor_hostname).  Its uuid is the
uuid of its resource provider in placement, so it never changes once
picked: by the agent (a uuid it already knew) or, for a new node, here.
Only the columns that differ are written.
"""
from __future__ import annotations

import dataclasses
import logging
import uuid as uuidlib

from nubes.cells.records import ComputeNodeRecord
from nubes.cells.repo import compute_nodes as repo
from nubes.common.db.transaction import Database
from nubes.common.timeutils import utcnow
from nubes.conductor.cell.messages import NodeConflict, NodeReport

LOG = logging.getLogger(__name__)

_REPORTED = [f.name for f in dataclasses.fields(NodeReport) if f.name != "uuid"]


def sync(db: Database, report: NodeReport) -> ComputeNodeRecord:
    def work(conn) -> ComputeNodeRecord:
        now = utcnow()
        record = repo.find_live(conn, report.host, report.hypervisor_hostname)
        if record is None:
            return _create(conn, report, now)
        changes = {}
        for name in _REPORTED:
            wanted = getattr(report, name)
            if wanted is None and name.endswith("_allocation_ratio"):
                continue
            if getattr(record, name) != wanted:
                changes[name] = wanted
        if changes:
            repo.update(conn, record.id, changes, now)
            record = dataclasses.replace(record, **changes)
        return record
    return db.write(work)


def _create(conn, report: NodeReport, now) -> ComputeNodeRecord:
    node_uuid = report.uuid
    if node_uuid is None or repo.uuid_taken(conn, node_uuid):
        if node_uuid is not None:
            LOG.warning("node %s of %s asked for uuid %s, which another (deleted) node "
                        "had; giving it a new one", report.hypervisor_hostname,
                        report.host, node_uuid)
        node_uuid = str(uuidlib.uuid4())
    values = {name: getattr(report, name) for name in _REPORTED}
    values["uuid"] = node_uuid
    repo.insert_if_missing(conn, values, now)
    record = repo.find_live(conn, report.host, report.hypervisor_hostname)
    if record is None:
        raise NodeConflict(f"could not create node {report.hypervisor_hostname} of "
                           f"{report.host}")
    if record.uuid == node_uuid:
        LOG.info("created compute node %s of %s (%s)", report.hypervisor_hostname,
                 report.host, node_uuid)
    return record
