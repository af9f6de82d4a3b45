"""Reboot, stop and start through the API-level entry points."""
from __future__ import annotations

import pytest

from nubes.conductor.messages import InstanceInvalidState
from nubes.conductor.tasks import power
from tests.functional.build.harness import spec
from tests.functional.compute.cloud import wait_for


def test_stop_start_reboot(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1"})
    uuid, = build_cloud.create_servers(spec())
    build_cloud.wait_for_instance(uuid, vm_state="active")
    api, driver = build_cloud.api, agents["cell1-c1"].driver

    power.stop_server(api, build_cloud.context(), uuid)
    _, row = build_cloud.wait_for_instance(uuid, vm_state="stopped", task_state=None)
    assert row.power_state == 4 and driver.power_state(uuid) == 4
    with pytest.raises(InstanceInvalidState):
        power.stop_server(api, build_cloud.context(), uuid)
    with pytest.raises(InstanceInvalidState):
        power.reboot_server(api, build_cloud.context(), uuid)

    power.start_server(api, build_cloud.context(), uuid)
    _, row = build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    assert row.power_state == 1

    power.reboot_server(api, build_cloud.context(), uuid, hard=True)
    build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    ctx = build_cloud.context()
    power.reboot_server(api, ctx, uuid)
    build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    actions = build_cloud.actions("cell1", uuid)
    assert [a.action for a, _ in actions] == ["create", "stop", "start", "reboot", "reboot"]
    reboot, events = actions[-1]
    assert reboot.request_id == ctx.request_id
    assert [(e.event, e.result) for e in events] == [("compute_reboot_instance", "Success")]


def test_a_failed_stop_leaves_the_server_active_with_a_fault(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1"})
    uuid, = build_cloud.create_servers(spec())
    build_cloud.wait_for_instance(uuid, vm_state="active")
    agents["cell1-c1"].driver.hooks.fail("power_off", times=1)
    power.stop_server(build_cloud.api, build_cloud.context(), uuid)
    fault, = wait_for(lambda: build_cloud.faults("cell1", uuid), what="a fault")
    assert "power_off" in fault.message
    _, row = build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    assert row.power_state == 1
