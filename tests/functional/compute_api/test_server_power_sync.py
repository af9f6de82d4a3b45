"""The compute hosts' periodic power-state sync (``sync_power_state_interval``)
on an embedded cloud of fake hosts: a guest stopped behind the cloud's back
(through the host's driver) makes its server SHUTOFF, a stopped server whose
guest runs again has it powered off, a guest the host lost has its power
state recorded, and a server with a task under way is left alone."""
from __future__ import annotations

import threading

import pytest

from nubes.compute.states import PowerState
from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow
INTERVAL = 0.5

cloud = module_cloud("power-sync",
                     overrides={"DEFAULT": {"sync_power_state_interval": INTERVAL}})


def _agent(cloud, sid):
    host = cloud.host_of(sid)
    return next(a for a in cloud.embedded.agents if a.host == host)


def test_a_guest_that_stopped_on_its_own_makes_the_server_shutoff(cloud):
    sid = cloud.boot("ps1")
    agent = _agent(cloud, sid)
    agent.driver.power_off(sid)             # as if the guest powered itself off
    shown = cloud.settled(sid, "SHUTOFF", timeout=60)     # the periodic sync saw it
    assert shown["OS-EXT-STS:vm_state"] == "stopped"
    assert shown["OS-EXT-STS:power_state"] == PowerState.SHUTDOWN
    # The server starts again as any stopped server does.
    assert cloud.demo.post(f"/servers/{sid}/action", {"os-start": None})[0] == 202
    shown = cloud.settled(sid, "ACTIVE", timeout=60)
    assert shown["OS-EXT-STS:power_state"] == PowerState.RUNNING
    assert agent.driver.power_state(sid) == PowerState.RUNNING
    # Nothing to change: a sync records nothing.
    assert agent.sync_power_states().updated == 0
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)


def test_a_stopped_server_whose_guest_runs_again_is_powered_off(cloud):
    sid = cloud.boot("ps2")
    agent = _agent(cloud, sid)
    assert cloud.demo.post(f"/servers/{sid}/action", {"os-stop": None})[0] == 202
    cloud.settled(sid, "SHUTOFF", timeout=60)
    agent.driver.power_on(sid)              # behind the cloud's back
    agent.sync_power_states()               # (or the periodic run did it first)
    assert agent.driver.power_state(sid) == PowerState.SHUTDOWN
    shown = cloud.settled(sid, "SHUTOFF")
    assert shown["OS-EXT-STS:power_state"] == PowerState.SHUTDOWN
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)


def test_a_paused_server_whose_guest_crashed_is_stopped_and_a_lost_guest_recorded(cloud):
    paused, lost = cloud.boot("ps3"), cloud.boot("ps4")
    assert cloud.demo.post(f"/servers/{paused}/action", {"pause": None})[0] == 202
    cloud.settled(paused, "PAUSED", timeout=60)
    agent = _agent(cloud, paused)
    agent.driver._set_power("power_off", paused, PowerState.CRASHED)
    shown = cloud.settled(paused, "SHUTOFF", timeout=60)
    assert shown["OS-EXT-STS:power_state"] == PowerState.SHUTDOWN
    # A guest the host no longer has: its power state is recorded, the
    # server stays ACTIVE (nothing to stop).
    _agent(cloud, lost).driver.destroy(lost)
    _agent(cloud, lost).sync_power_states()
    shown = cloud.settled(lost, "ACTIVE")
    assert shown["OS-EXT-STS:power_state"] == PowerState.NOSTATE
    for sid in (paused, lost):
        assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    for sid in (paused, lost):
        cloud.wait_gone(cloud.demo, sid)


def test_a_server_with_a_task_under_way_is_left_alone(cloud):
    sid = cloud.boot("ps5")
    agent = _agent(cloud, sid)
    entered, release = threading.Event(), threading.Event()

    def hold(node, uuid):
        if uuid == sid:
            entered.set()
            release.wait(60)
    agent.driver.hooks.add("reboot", hold)
    try:
        assert cloud.demo.post(f"/servers/{sid}/action",
                               {"reboot": {"type": "HARD"}})[0] == 202
        assert entered.wait(60)
        agent.driver._set_power("power_off", sid, PowerState.SHUTDOWN)
        done = agent.sync_power_states()
        assert done.stopped == 0 and done.updated == 0
        shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
        assert shown["OS-EXT-STS:task_state"].startswith("reboot")
        assert shown["OS-EXT-STS:vm_state"] == "active"
    finally:
        release.set()
        agent.driver.hooks.remove("reboot", hold)
    shown = cloud.settled(sid, "ACTIVE", timeout=60)    # the reboot ran it again
    assert shown["OS-EXT-STS:power_state"] == PowerState.RUNNING
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
