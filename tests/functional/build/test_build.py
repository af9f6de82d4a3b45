"""Build: a server reaches ACTIVE in a cell, or ERROR in cell0, or moves
to an alternate when its first host fails."""
from __future__ import annotations

import threading

from nubes.compute.virt.driver import DriverError
from nubes.conductor.cell.reschedule import max_retries_message
from tests.functional.build.harness import spec


def test_build_reaches_active_with_allocations(build_cloud):
    build_cloud.start_hosts({"cell1-c1": "cell1", "cell2-c1": "cell2"})
    uuid, = build_cloud.create_servers(spec(vcpus=2, memory_mb=1024, root_gb=5))

    cell, row = build_cloud.wait_for_instance(uuid, vm_state="active")
    assert row.task_state is None
    assert row.power_state == 1
    assert row.launched_at is not None
    assert row.host == row.node == row.launched_on
    assert row.host.startswith(cell)
    assert row.display_name == "vm-0"
    assert (row.vcpus, row.memory_mb, row.root_gb) == (2, 1024, 5)

    mapping = build_cloud.mapping(uuid)
    assert mapping.cell_id == build_cloud.cell_id(cell)
    assert not mapping.queued_for_delete
    assert build_cloud.build_request(uuid) is None
    node = build_cloud.cloud.nodes(cell)[row.node]
    allocations = build_cloud.allocations(uuid)
    assert list(allocations) == [node.uuid]
    assert allocations[node.uuid]["resources"] == {"VCPU": 2, "MEMORY_MB": 1024,
                                                   "DISK_GB": 5}

    (action, events), = build_cloud.actions(cell, uuid)
    assert action.action == "create" and action.finish_time is not None
    assert action.message is None
    assert [(e.event, e.result, e.host) for e in events] == [
        ("compute__do_build_and_run_instance", "Success", row.host)]


def test_multi_create_builds_every_instance(build_cloud):
    build_cloud.start_hosts({"cell1-c1": "cell1", "cell1-c2": "cell1"})
    uuids = build_cloud.create_servers(spec(), count=3)
    for uuid in uuids:
        cell, _ = build_cloud.wait_for_instance(uuid, vm_state="active")
        assert cell == "cell1"
        assert build_cloud.allocations(uuid)


def test_no_room_buries_in_cell0(build_cloud):
    build_cloud.start_hosts({"cell1-c1": "cell1"}, vcpus=4)
    uuid, = build_cloud.create_servers(spec(vcpus=8))

    cell, row = build_cloud.wait_for_instance(uuid, vm_state="error")
    assert cell == "cell0"
    assert row.task_state is None and row.host is None
    fault, = build_cloud.faults("cell0", uuid)
    assert "No valid host was found" in fault.message
    assert fault.code == 500
    (action, events), = build_cloud.actions("cell0", uuid)
    assert action.action == "create" and action.message == "Error"
    assert [(e.event, e.result) for e in events] == [
        ("conductor_schedule_and_build_instances", "Error")]
    assert build_cloud.mapping(uuid).cell_id == build_cloud.cell_id("cell0")
    assert build_cloud.build_request(uuid) is None
    assert build_cloud.allocations(uuid) == {}


def _fail_first_spawn(agents) -> list[str]:
    """Make the first spawn anywhere fail; returns [host that failed]."""
    failed: list[str] = []
    lock = threading.Lock()

    def hook(nodename, value):
        with lock:
            if failed:
                return None
            failed.append(nodename)
        raise DriverError(f"injected spawn failure on {nodename}")
    for agent in agents.values():
        agent.driver.hooks.add("spawn", hook)
    return failed


def test_driver_failure_reschedules_to_an_alternate(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1", "cell1-c2": "cell1"})
    failed = _fail_first_spawn(agents)
    uuid, = build_cloud.create_servers(spec())

    cell, row = build_cloud.wait_for_instance(uuid, vm_state="active")
    assert failed and row.host != failed[0]
    assert cell == "cell1"
    node = build_cloud.cloud.nodes("cell1")[row.node]
    assert list(build_cloud.allocations(uuid)) == [node.uuid]
    failed_node = build_cloud.cloud.nodes("cell1")[failed[0]]
    assert build_cloud.usages(failed_node.uuid).get("VCPU", 0) == 0
    (action, events), = build_cloud.actions("cell1", uuid)
    assert [(e.event, e.result, e.host) for e in events] == [
        ("compute__do_build_and_run_instance", "Error", failed[0]),
        ("compute__do_build_and_run_instance", "Success", row.host)]
    assert build_cloud.faults("cell1", uuid) == []


def test_driver_failure_everywhere_ends_in_error_without_allocations(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1", "cell1-c2": "cell1"})
    for agent in agents.values():
        agent.driver.hooks.fail("spawn")
    uuid, = build_cloud.create_servers(spec())

    cell, row = build_cloud.wait_for_instance(uuid, vm_state="error")
    assert cell == "cell1"
    assert row.task_state is None and row.host is None
    fault, = build_cloud.faults("cell1", uuid)
    assert fault.message == max_retries_message(uuid)
    assert "injected failure of spawn" in fault.details
    build_cloud.wait_no_allocations(uuid)
    (action, events), = build_cloud.actions("cell1", uuid)
    assert [e.result for e in events] == ["Error", "Error", "Error"]
    assert action.message == "Error"
    for agent in agents.values():
        assert agent.driver.guests() == []
