"""Real guests across two libvirt hosts of one machine (separate instance
directories, one domain prefix): a resize to a bigger flavor carries the
guest's disk to the other host, grown (the guest lists its bigger disk on
the destination's console), and the confirm leaves nothing on the source; a
migration reverted runs the guest on its source again and leaves nothing on
the destination; a compute host restarted with its guests running keeps
them (no second guest is spawned), and a guest stopped behind the cloud's
back is found by the power-state sync and its server becomes SHUTOFF.

Needs ``make libvirt-deps``; never skipped (see test_real_guests)."""
from __future__ import annotations

import os
import threading

import pytest

from nubes.compute.agent import ComputeAgent
from nubes.compute.states import PowerState
from nubes.compute.virt import load_driver
from nubes.compute.virt.libvirt import images, tiny_image
from nubes.compute.virt.libvirt.images import GIB
from nubes.compute.virt.libvirt.connection import Connection
from tests.fixtures.cloud import server_body
from tests.functional.libvirt.guests import (ACTION, BOOT, READY, URI, cloud_fixture,
                                             console, wait_console)

pytestmark = pytest.mark.slow
TINY_DISK = "nubes-tiny: disk vda 2097152 sectors"        # m1.tiny: 1 GiB
SMALL_DISK = "nubes-tiny: disk vda 41943040 sectors"      # m1.small: 20 GiB


cloud, image = cloud_fixture("libvirt-moves", hosts=2,
                             overrides={"DEFAULT": {"sync_power_state_interval": 1}})


def _drivers(cloud) -> dict:
    return {a.host: a.driver for a in cloud.embedded.agents}


def _boot(cloud, image, name: str) -> str:
    code, body = cloud.demo.post("/servers", server_body(image, name=name))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE", timeout=BOOT)
    assert TINY_DISK in wait_console(cloud, sid, READY)
    return sid


def _act(cloud, sid: str, body: dict, status: str, api=None) -> dict:
    code, answer = (api or cloud.demo).post(f"/servers/{sid}/action", body)
    assert code in (202, 204), answer      # confirmResize answers 204
    return cloud.settled(sid, status, timeout=ACTION)


def _delete(cloud, sid: str) -> None:
    assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid, timeout=ACTION)


def test_resize_carries_the_disk_grown_and_confirm_leaves_nothing_on_the_source(cloud,
                                                                                image):
    sid = _boot(cloud, image, "mv1")
    drivers = _drivers(cloud)
    source = cloud.host_of(sid)
    shown = _act(cloud, sid, {"resize": {"flavorRef": "2"}}, "VERIFY_RESIZE")
    dest = shown["OS-EXT-SRV-ATTR:host"]
    assert dest != source
    # A fresh console on the destination: the guest booted from its own
    # disk, now 20 GiB.
    output = wait_console(cloud, sid, READY, timeout=BOOT)
    assert tiny_image.BANNER in output and SMALL_DISK in output
    assert drivers[dest].power_state(sid) == PowerState.RUNNING
    # The source keeps its guest, off, until the confirm.
    assert drivers[source].power_state(sid) == PowerState.SHUTDOWN
    assert os.path.exists(drivers[source].guest_dir(sid))
    code, diag = cloud.admin.get(f"/servers/{sid}/diagnostics")
    assert code == 200 and diag["memory_details"]["maximum"] == 2048, diag

    _act(cloud, sid, {"confirmResize": None}, "ACTIVE")
    assert sid not in drivers[source].guests()
    assert sorted(os.listdir(drivers[source].base_dir)) == ["_base"]
    assert drivers[dest].guests() == [sid]
    assert drivers[dest].power_state(sid) == PowerState.RUNNING
    _delete(cloud, sid)
    for driver in drivers.values():
        assert driver.guests() == []
        assert sorted(os.listdir(driver.base_dir)) == ["_base"]


def test_migrate_then_revert_runs_the_guest_on_its_source_again(cloud, image):
    sid = _boot(cloud, image, "mv2")
    drivers = _drivers(cloud)
    source = cloud.host_of(sid)
    shown = _act(cloud, sid, {"migrate": None}, "VERIFY_RESIZE", api=cloud.admin)
    dest = shown["OS-EXT-SRV-ATTR:host"]
    assert dest != source
    assert TINY_DISK in wait_console(cloud, sid, READY, timeout=BOOT)
    assert drivers[dest].power_state(sid) == PowerState.RUNNING

    shown = _act(cloud, sid, {"revertResize": None}, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    # The source's console keeps its first boot: the second is the revert's.
    output = wait_console(cloud, sid, READY, count=2, timeout=BOOT)
    assert output.count(tiny_image.BANNER) == 2
    assert drivers[source].power_state(sid) == PowerState.RUNNING
    assert drivers[dest].guests() == []
    assert sorted(os.listdir(drivers[dest].base_dir)) == ["_base"]
    _delete(cloud, sid)
    assert drivers[source].guests() == []


def _restart(cloud, host: str) -> ComputeAgent:
    """The host's agent stopped and a new one (a new driver, as after a
    process restart) started in its place; its guests are left running."""
    agents = cloud.embedded.agents
    index = next(i for i, a in enumerate(agents) if a.host == host)
    old = agents[index]
    old.stop()
    new = ComputeAgent(old.conf, host, transport=old.transport,
                       placement=old.ops.placement,
                       driver=load_driver(old.conf, host, transport=old.transport))
    agents[index] = new
    new.start(conductor_wait=60)
    for thread in threading.enumerate():      # the reconcile at start
        if thread.name == f"after-start {host}":
            thread.join(ACTION)
    return new


def test_a_restarted_host_keeps_its_running_guests_and_the_sync_sees_a_stopped_one(
        cloud, image):
    kept, killed = _boot(cloud, image, "rs1"), _boot(cloud, image, "rs2")
    host = cloud.host_of(kept)
    conn = Connection(URI).get()
    domain = conn.lookupByName(_drivers(cloud)[host].domain_name(kept))
    domain_id = domain.ID()

    agent = _restart(cloud, host)
    # The running guest was found, not spawned again: the same QEMU process,
    # one boot on its console.
    assert agent.reconcile().guests == 0
    assert agent.driver.power_state(kept) == PowerState.RUNNING
    assert conn.lookupByName(agent.driver.domain_name(kept)).ID() == domain_id
    assert console(cloud, kept).count(tiny_image.BANNER) == 1
    assert kept in agent.driver.guests()

    # A guest destroyed behind the cloud's back (virsh destroy): the
    # periodic power-state sync makes its server SHUTOFF.
    victim = _drivers(cloud)[cloud.host_of(killed)]
    conn.lookupByName(victim.domain_name(killed)).destroy()
    shown = cloud.settled(killed, "SHUTOFF", timeout=ACTION)
    assert shown["OS-EXT-STS:vm_state"] == "stopped"
    assert shown["OS-EXT-STS:power_state"] == PowerState.SHUTDOWN
    assert cloud.settled(kept, "ACTIVE")["OS-EXT-STS:power_state"] == PowerState.RUNNING
    # ... and it starts again as any stopped server.
    _act(cloud, killed, {"os-start": None}, "ACTIVE")
    wait_console(cloud, killed, READY, count=2)
    for sid in (kept, killed):
        _delete(cloud, sid)
    for driver in _drivers(cloud).values():
        assert driver.guests() == []


def test_a_resize_on_the_same_host_keeps_the_old_disk_until_confirm_or_revert(cloud, image):
    """The driver's steps of a resize whose destination is its source
    (``allow_resize_to_same_host``), called directly: the old directory is
    kept aside, put back by the revert, removed by the confirm."""
    sid = _boot(cloud, image, "mv3")
    agent = next(a for a in cloud.embedded.agents if a.host == cloud.host_of(sid))
    driver, node = agent.driver, agent.host
    old = {"vcpus": 1, "memory_mb": 512, "root_gb": 1, "ephemeral_gb": 0}
    new = {"vcpus": 1, "memory_mb": 1024, "root_gb": 2, "ephemeral_gb": 1}
    kept = driver.guest_dir(sid) + "_resize"
    with agent.ops.locks.hold(sid):      # (the power sync waits: the guest is off a while)
        handover = driver.migrate_disk_and_power_off(sid, node)
        assert driver.power_state(sid) == PowerState.SHUTDOWN
        assert driver.finish_migration(sid, node, handover, new, True) == PowerState.RUNNING
        assert os.path.isdir(kept)
        output = wait_console(cloud, sid, READY)
        assert "nubes-tiny: disk vda 4194304 sectors" in output        # 2 GiB
        assert "nubes-tiny: disk vdb 2097152 sectors" in output        # the ephemeral disk
        # Revert: the old disk and flavor again, its console with it.
        assert driver.finish_revert_migration(sid, node, old, True) == PowerState.RUNNING
        assert not os.path.exists(kept)
        output = wait_console(cloud, sid, READY, count=2)
        back = output[output.rindex(tiny_image.BANNER):]
        assert TINY_DISK in back and "vdb" not in back
        # Again (as for a stopped server: left off), confirmed this time:
        # only the new guest is left.
        handover = driver.migrate_disk_and_power_off(sid, node)
        assert driver.finish_migration(sid, node, handover, new, False) == \
            PowerState.SHUTDOWN
        driver.confirm_migration(sid, same_host=True)
        assert not os.path.exists(kept)
        assert driver.guests().count(sid) == 1
        assert images.virtual_size(os.path.join(driver.guest_dir(sid), "disk")) == 2 * GIB
    _delete(cloud, sid)
    assert sorted(os.listdir(driver.base_dir)) == ["_base"]
