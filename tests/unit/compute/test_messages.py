"""Wire records rebuild from their JSON form."""
from __future__ import annotations

import datetime

import orjson

from nubes.compute.messages import HostStatus, NodeStatus
from nubes.cells.records import ComputeNodeRecord, ServiceRecord
from nubes.conductor.cell.messages import NodeReport, RecordedNode, RegisteredService


def roundtrip(value):
    return orjson.loads(orjson.dumps(value))


def test_service_record_roundtrip_with_datetime_and_unknown_fields():
    record = RegisteredService(id=1, uuid="u", host="h", binary="nova-compute",
                               topic="compute", report_count=3,
                               last_seen_up=datetime.datetime(2026, 1, 2, 3, 4, 5))
    data = roundtrip(record)
    data["added_later"] = True
    assert RegisteredService.from_wire(data) == record


def test_node_record_matches_a_report_ignoring_unset_ratios():
    record = RecordedNode(id=1, uuid="u", host="h", hypervisor_hostname="h",
                          service_id=2, vcpus=4, memory_mb=10, local_gb=1,
                          hypervisor_type="fake", hypervisor_version=1000,
                          cpu_allocation_ratio=4.0, ram_allocation_ratio=1.0,
                          disk_allocation_ratio=1.0)
    report = NodeReport(host="h", hypervisor_hostname="h", service_id=2, vcpus=4,
                        memory_mb=10, local_gb=1)
    assert record.matches(report)
    assert RecordedNode.from_wire(roundtrip(record)) == record
    assert not record.matches(NodeReport(**{**report.__dict__, "vcpus": 5}))
    assert not record.matches(NodeReport(**{**report.__dict__, "cpu_allocation_ratio": 2.0}))
    assert not record.matches(NodeReport(**{**report.__dict__, "service_id": 3}))
    assert record.matches(NodeReport(**{**report.__dict__, "uuid": "u"}))
    assert NodeReport.from_wire(roundtrip(report)) == report


def test_host_status_roundtrip():
    status = HostStatus(host="h", service_id=1, disabled=True, nodes=[NodeStatus("h", "u")])
    assert HostStatus.from_wire(roundtrip(status)) == status


def test_the_conductors_rows_decode_into_the_wire_types_agents_read():
    """The cell conductor answers with cell-database rows; an agent reads
    them back as its wire types, ignoring the columns it does not know."""
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    row = ServiceRecord(id=7, uuid="s", host="h", binary="nova-compute", topic="compute",
                        disabled=True, disabled_reason="maintenance", forced_down=False,
                        last_seen_up=when, report_count=9, version=1, created_at=when,
                        updated_at=None)
    service = RegisteredService.from_wire(roundtrip(row))
    assert (service.id, service.disabled, service.disabled_reason, service.last_seen_up,
            service.report_count) == (7, True, "maintenance", when, 9)
    node = ComputeNodeRecord(
        id=3, uuid="n", service_id=7, host="h", hypervisor_hostname="h",
        hypervisor_type="fake", hypervisor_version=1000, host_ip=None, vcpus=4,
        memory_mb=10, local_gb=1, vcpus_used=0, memory_mb_used=0, local_gb_used=0,
        free_ram_mb=None, free_disk_gb=None, disk_available_least=None,
        current_workload=None, running_vms=None, cpu_info=None, cpu_allocation_ratio=4.0,
        ram_allocation_ratio=None, disk_allocation_ratio=None, mapped=1)
    recorded = RecordedNode.from_wire(roundtrip(node))
    assert recorded.matches(NodeReport(host="h", hypervisor_hostname="h", service_id=7,
                                       vcpus=4, memory_mb=10, local_gb=1,
                                       cpu_allocation_ratio=4.0))
    assert (recorded.id, recorded.uuid, recorded.mapped) == (3, "n", 1)
