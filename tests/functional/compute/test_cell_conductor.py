"""The cell conductor's service and compute node records, over the bus."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from nubes.common.timeutils import utcnow
from nubes.conductor.cell.messages import NodeReport, ServiceConflict, ServiceNotFound
from nubes.conductor.cell.rpcapi import CellConductorAPI
from tests.functional.compute.cloud import wait_for


@pytest.fixture
def conductor_api(cloud):
    cloud.start_conductor()
    return CellConductorAPI(cloud.transport("cell1"), timeout=10)


def _soft_delete_service(cloud, host):
    table = cell_models.services
    cloud.cell_db("cell1").write(lambda conn: conn.execute(
        sa.update(table).where(table.c.host == host)
        .values(deleted=table.c.id, deleted_at=utcnow())))


def test_register_is_get_or_create(conductor_api, cloud):
    first = conductor_api.service_register(None, host="h", binary="nova-compute",
                                           topic="compute", version=1)
    again = conductor_api.service_register(None, host="h", binary="nova-compute",
                                           topic="compute", version=2)
    assert again.id == first.id and again.uuid == first.uuid and again.version == 2
    assert (first.host, first.binary, first.topic, first.report_count) == (
        "h", "nova-compute", "compute", 0)


def test_register_refuses_a_topic_taken_on_the_host(conductor_api):
    conductor_api.service_register(None, host="h", binary="nova-compute", topic="compute")
    with pytest.raises(ServiceConflict):
        conductor_api.service_register(None, host="h", binary="other-compute",
                                       topic="compute")


def test_report_counts_and_answers_with_the_record(conductor_api, cloud):
    service = conductor_api.service_register(None, host="h", binary="nova-compute",
                                             topic="compute")
    cloud.set_disabled("h", True)
    record = conductor_api.service_report(None, service.id)
    assert record.report_count == 1 and record.disabled
    assert record.last_seen_up is not None
    assert conductor_api.service_report(None, service.id).report_count == 2


def test_report_for_a_deleted_service_raises_its_own_error(conductor_api, cloud):
    service = conductor_api.service_register(None, host="h", binary="nova-compute",
                                             topic="compute")
    _soft_delete_service(cloud, "h")
    with pytest.raises(ServiceNotFound):
        conductor_api.service_report(None, service.id)


def test_an_agent_whose_record_was_deleted_registers_again(cloud):
    cloud.start_conductor()
    cloud.start_agent("phoenix")
    old = cloud.services()["phoenix"]
    _soft_delete_service(cloud, "phoenix")
    new = wait_for(lambda: cloud.services().get("phoenix"), what="a new service record")
    assert new.id != old.id
    # The new record makes the agent sync: its node follows the new service row.
    wait_for(lambda: cloud.nodes()["phoenix"].service_id == new.id,
             what="the node to point at the new service")


def _report(**changes) -> NodeReport:
    values = dict(host="h", hypervisor_hostname="h", service_id=1, vcpus=4, memory_mb=512,
                  local_gb=10)
    values.update(changes)
    return NodeReport(**values)


def test_node_sync_creates_then_updates_only_what_changed(conductor_api, cloud):
    created = conductor_api.compute_node_sync(None, _report(cpu_allocation_ratio=4.0))
    assert created.uuid and created.cpu_allocation_ratio == 4.0 and created.mapped == 0
    table = cell_models.compute_nodes
    cloud.cell_db("cell1").write(lambda conn: conn.execute(
        sa.update(table).values(mapped=1)))   # discover_hosts was here

    updated = conductor_api.compute_node_sync(None, _report(vcpus=8, uuid=created.uuid))
    assert (updated.id, updated.uuid, updated.vcpus) == (created.id, created.uuid, 8)
    assert updated.cpu_allocation_ratio == 4.0   # unset in the report: kept
    row = cloud.nodes()["h"]
    assert (row.vcpus, row.mapped, row.cpu_allocation_ratio) == (8, 1, 4.0)
    assert row.updated_at is not None


def test_node_sync_asked_for_a_uuid_a_deleted_node_had_gets_a_new_one(conductor_api, cloud):
    first = conductor_api.compute_node_sync(None, _report())
    table = cell_models.compute_nodes
    cloud.cell_db("cell1").write(lambda conn: conn.execute(
        sa.update(table).values(deleted=table.c.id, deleted_at=utcnow())))
    again = conductor_api.compute_node_sync(None, _report(uuid=first.uuid))
    assert again.uuid != first.uuid and again.id != first.id


def test_node_sync_keeps_a_uuid_the_agent_brings(conductor_api):
    wanted = "6d2c7b58-2a77-4ff3-9d8e-0d0f3f5a0c01"
    assert conductor_api.compute_node_sync(None, _report(uuid=wanted)).uuid == wanted
