"""Wire records rebuild from their JSON form."""
from __future__ import annotations

import datetime

import orjson

from nubes.compute.messages import HostStatus, NodeStatus
from nubes.conductor.messages import ComputeNodeRecord, NodeReport, ServiceRecord


def roundtrip(value):
    return orjson.loads(orjson.dumps(value))


def test_service_record_roundtrip_with_datetime_and_unknown_fields():
    record = ServiceRecord(id=1, uuid="u", host="h", binary="nova-compute", topic="compute",
                           report_count=3, last_seen_up=datetime.datetime(2026, 1, 2, 3, 4, 5))
    data = roundtrip(record)
    data["added_later"] = True
    assert ServiceRecord.from_wire(data) == record


def test_node_record_matches_a_report_ignoring_unset_ratios():
    record = ComputeNodeRecord(id=1, uuid="u", host="h", hypervisor_hostname="h",
                               service_id=2, vcpus=4, memory_mb=10, local_gb=1,
                               hypervisor_type="fake", hypervisor_version=1000,
                               cpu_allocation_ratio=4.0, ram_allocation_ratio=1.0,
                               disk_allocation_ratio=1.0)
    report = NodeReport(host="h", hypervisor_hostname="h", service_id=2, vcpus=4,
                        memory_mb=10, local_gb=1)
    assert record.matches(report)
    assert ComputeNodeRecord.from_wire(roundtrip(record)) == record
    assert not record.matches(NodeReport(**{**report.__dict__, "vcpus": 5}))
    assert not record.matches(NodeReport(**{**report.__dict__, "cpu_allocation_ratio": 2.0}))
    assert not record.matches(NodeReport(**{**report.__dict__, "service_id": 3}))
    assert record.matches(NodeReport(**{**report.__dict__, "uuid": "u"}))
    assert NodeReport.from_wire(roundtrip(report)) == report


def test_host_status_roundtrip():
    status = HostStatus(host="h", service_id=1, disabled=True, nodes=[NodeStatus("h", "u")])
    assert HostStatus.from_wire(roundtrip(status)) == status


def test_computes_register_under_the_binary_discovery_looks_for():
    from nubes.cells.repo.services import COMPUTE_BINARY as discovered
    from nubes.compute.messages import BINARY
    assert BINARY == discovered == "nova-compute"
