"""Reboot, stop and start through the compute API's service functions."""
from __future__ import annotations

import pytest

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service.server_power import power_action
from tests.functional.build.harness import spec
from tests.functional.compute.cloud import wait_for


def test_stop_start_reboot(build_cloud):
    agents = build_cloud.start_hosts({"cell1-c1": "cell1"})
    uuid, = build_cloud.create_servers(spec())
    build_cloud.wait_for_instance(uuid, vm_state="active")
    api, driver = build_cloud.compute, agents["cell1-c1"].driver

    power_action(api, build_cloud.context(), uuid, "stop")
    _, row = build_cloud.wait_for_instance(uuid, vm_state="stopped", task_state=None)
    assert row.power_state == 4 and driver.power_state(uuid) == 4
    with pytest.raises(exc.Conflict):
        power_action(api, build_cloud.context(), uuid, "stop")
    with pytest.raises(exc.Conflict):
        power_action(api, build_cloud.context(), uuid, "reboot_soft")

    power_action(api, build_cloud.context(), uuid, "start")
    _, row = build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    assert row.power_state == 1

    power_action(api, build_cloud.context(), uuid, "reboot_hard")
    build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    ctx = build_cloud.context()
    power_action(api, ctx, uuid, "reboot_soft")
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
    power_action(build_cloud.compute, build_cloud.context(), uuid, "stop")
    fault, = wait_for(lambda: build_cloud.faults("cell1", uuid), what="a fault")
    assert "power_off" in fault.message
    _, row = build_cloud.wait_for_instance(uuid, vm_state="active", task_state=None)
    assert row.power_state == 1
