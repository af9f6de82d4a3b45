"""Moves of servers with volumes (a volume-backed root and a data volume) —
resize, migrate, live migration, evacuation, shelve offload and unshelve:
the host a server leaves swaps each volume's attachment for a fresh
reservation and disconnects it, the host it arrives on connects it — so
after every step each volume has exactly one attachment, connected where
the server runs; a destination that fails hands the volumes back."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import ServersCloud
from tests.functional.compute_api.volume_helpers import (
    VolumeApi,
    boot_volume_backed,
    delete_volume_backed,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("bfv-moves") / "state"),
                         cells=1, hosts_per_cell=2,
                         overrides={"fake_driver": {"live_migration_seconds": 0.2}})
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def vols(cloud):
    return VolumeApi(cloud, cloud.demo_token)


@pytest.fixture
def server(cloud, vols):
    sid, devices = boot_volume_backed(cloud, vols, "bfv-mover")
    yield sid, devices
    delete_volume_backed(cloud, vols, sid, devices)


def _act(cloud, sid, body, **kw):
    code, answer = cloud.admin.post(f"/servers/{sid}/action", body, **kw)
    assert code in (200, 202, 204), answer


def _connected_on(cloud, sid, vols, devices) -> str:
    """The one host the server's volumes are connected on (each volume
    in-use with exactly one attachment, each guest disk where it was)."""
    host = cloud.host_of(sid)
    agents = {a.host: a.driver for a in cloud.embedded.agents}
    attached = wait_for(lambda: agents[host].attached_volumes(sid) or None,
                        f"the volumes of {sid} on {host}")
    assert {d: i["serial"] for d, i in attached.items()} == \
        {device: vid for vid, device in devices.items()}
    for other, driver in agents.items():
        if other != host:
            assert driver.attached_volumes(sid) == {}
    for volume_id in devices:
        volume = vols.wait(volume_id, "in-use")
        assert [a["server_id"] for a in volume["attachments"]] == [sid]
        (attachment,) = vols.attachments(volume_id=volume_id)
        assert attachment["status"] == "attached"
    return host


def test_resize_then_confirm_takes_the_volumes_along(cloud, vols, server):
    sid, devices = server
    source = _connected_on(cloud, sid, vols, devices)
    _act(cloud, sid, {"resize": {"flavorRef": "2"}})
    shown = cloud.settled(sid, "VERIFY_RESIZE")
    assert shown["OS-EXT-SRV-ATTR:host"] != source
    dest = _connected_on(cloud, sid, vols, devices)
    (resources,) = cloud.allocations(sid).values()
    assert "DISK_GB" not in resources
    _act(cloud, sid, {"confirmResize": None})
    cloud.settled(sid, "ACTIVE")
    assert _connected_on(cloud, sid, vols, devices) == dest


def test_migrate_then_revert_brings_the_volumes_back(cloud, vols, server):
    sid, devices = server
    source = _connected_on(cloud, sid, vols, devices)
    _act(cloud, sid, {"migrate": None})
    cloud.settled(sid, "VERIFY_RESIZE")
    assert _connected_on(cloud, sid, vols, devices) != source
    _act(cloud, sid, {"revertResize": None})
    cloud.settled(sid, "ACTIVE")
    assert _connected_on(cloud, sid, vols, devices) == source


def test_a_destination_that_fails_hands_the_volumes_back(cloud, vols, server):
    sid, devices = server
    source = _connected_on(cloud, sid, vols, devices)
    dest = next(a for a in cloud.embedded.agents if a.host != source)
    hook = dest.driver.hooks.fail("spawn", times=1)
    try:
        _act(cloud, sid, {"migrate": None})
        # The action's events come one host after the other: wait for the
        # destination's failed one (all events being finished at one moment
        # does not mean the move is over).
        wait_for(lambda: "Error" in [e["result"] for e in
                                     cloud.wait_action_done(sid, "migrate")["events"]],
                 "the destination's failed event of the migrate")
    finally:
        if hook in dest.driver.hooks._hooks.get("spawn", []):
            dest.driver.hooks.remove("spawn", hook)
    cloud.settled(sid, "ACTIVE")
    assert _connected_on(cloud, sid, vols, devices) == source


def test_live_migration_takes_the_volumes_along(cloud, vols, server):
    sid, devices = server
    source = _connected_on(cloud, sid, vols, devices)
    _act(cloud, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}})
    wait_for(lambda: cloud.host_of(sid) != source and
             cloud.settled(sid, "ACTIVE"), "the live migration")
    assert _connected_on(cloud, sid, vols, devices) != source


def test_evacuation_takes_the_volumes_over_from_a_dead_host(cloud, vols, server):
    sid, devices = server
    source = _connected_on(cloud, sid, vols, devices)
    services = {s["host"]: s for s in cloud.admin.get(
        "/os-services?binary=nova-compute")[1]["services"]}

    def force_down(down: bool) -> None:
        assert cloud.admin.put(f"/os-services/{services[source]['id']}",
                               {"forced_down": down}, version="2.53")[0] == 200
    force_down(True)
    try:
        _act(cloud, sid, {"evacuate": {}}, version="2.94")      # (2.95 stops it)
        wait_for(lambda: cloud.host_of(sid) != source and
                 cloud.settled(sid, "ACTIVE"), "the evacuation")
    finally:
        force_down(False)
    next(a for a in cloud.embedded.agents if a.host == source).destroy_evacuated()
    assert _connected_on(cloud, sid, vols, devices) != source


def test_shelve_offload_lets_go_and_unshelve_connects_again(cloud, vols, server):
    sid, devices = server
    _connected_on(cloud, sid, vols, devices)
    code, body = cloud.demo.post(f"/servers/{sid}/action", {"shelve": None})
    assert code == 202, body
    cloud.settled(sid, "SHELVED_OFFLOADED")
    for agent in cloud.embedded.agents:
        assert agent.driver.attached_volumes(sid) == {}
    for volume_id in devices:
        (attachment,) = vols.attachments(volume_id=volume_id)
        assert attachment["status"] == "reserved"
    code, body = cloud.demo.post(f"/servers/{sid}/action", {"unshelve": None})
    assert code == 202, body
    cloud.settled(sid, "ACTIVE")
    _connected_on(cloud, sid, vols, devices)
