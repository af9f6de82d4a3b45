"""Moves across cells of a server booted from a volume with a data volume
attached, on SQLite, MariaDB and PostgreSQL (one host per cell: a move can
only go to the other cell; the policy lets admins move across cells).

The volumes follow the server: the target cell gets its block device
mappings, the target host connects each volume through a new attachment,
the source host disconnects and keeps a reservation (the volume never
looks free) until the move is confirmed (the reservation goes with the
source's rows) or reverted (the target's attachment and mappings go, the
source connects its reservation again)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nubes.cells.admin import placement_audit
from nubes.cells.cell_db import models as cell_models
from tests.fixtures import databases
from tests.fixtures.backend_cloud import BackendCloud
from tests.functional.compute_api.volume_helpers import (
    VolumeApi,
    boot_volume_backed,
    delete_volume_backed,
    wait_for,
)

pytestmark = pytest.mark.slow
TINY = {"VCPU": 1, "MEMORY_MB": 512}         # volume-backed: no DISK_GB
SMALL = {"VCPU": 1, "MEMORY_MB": 2048}
CELLS = ("cell1", "cell2")


@pytest.fixture(scope="module", params=databases.backends())
def cloud(request, tmp_path_factory):
    where = tmp_path_factory.mktemp("xcell-vol")
    policy = where / "policy.yaml"
    policy.write_text('"compute:servers:resize:cross_cell": "rule:context_is_admin"\n')
    made = BackendCloud(request.param, str(where / "state"), cells=2, hosts_per_cell=1,
                        overrides={"oslo_policy": {"policy_file": str(policy)}})
    yield made.cloud
    made.stop()


@pytest.fixture(scope="module")
def vols(cloud):
    return VolumeApi(cloud, cloud.demo_token)


@pytest.fixture
def server(cloud, vols):
    """A demo member's server booted from a volume, with a data volume."""
    sid, devices = boot_volume_backed(cloud, vols, "far-bfv")
    yield sid, devices
    delete_volume_backed(cloud, vols, sid, devices)
    assert _live_mappings(cloud, sid) == {"cell1": [], "cell2": []}


def _act(cloud, sid, body):
    code, answer = cloud.admin.post(f"/servers/{sid}/action", body)
    assert code in (202, 204), answer


def _live_mappings(cloud, sid) -> dict[str, list[str]]:
    """Cell -> the volume ids of the server's live block device mappings."""
    bdm = cell_models.block_device_mapping
    found = {}
    for cell in CELLS:
        db = cloud.embedded.databases.get(cloud.embedded.layout.cell_database(cell))
        found[cell] = sorted(db.read(lambda conn: list(conn.scalars(
            sa.select(bdm.c.volume_id).where(bdm.c.instance_uuid == sid,
                                             bdm.c.deleted == 0)))))
    return found


def _cell_of(host: str) -> str:
    return host.split("-")[0]


def _state(cloud, sid, vols, devices) -> dict:
    """Where each volume is connected, its attachments (status, whether a
    host has it), what the server shows and its rows in each cell."""
    agents = {a.host: a.driver for a in cloud.embedded.agents}
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    return {
        "connected": {h: {d: i["serial"] for d, i in driver.attached_volumes(sid).items()}
                      for h, driver in agents.items()},
        "attachments": {v: sorted((a["status"], a["instance"]) for a in
                                  vols.attachments(volume_id=v)) for v in devices},
        "volumes": {v: vols.get(v)["status"] for v in devices},
        "volumes_attached": sorted(v["id"] for v in shown["os-extended-volumes:volumes_attached"]),
        "mappings": _live_mappings(cloud, sid),
    }


def _audit_clean(cloud) -> None:
    result = placement_audit.audit(cloud.api_db, cloud.embedded.databases, cloud.placement)
    assert result.orphans == [] and result.unverified == {}, result


def _moved(cloud, sid, vols, devices, action: dict) -> tuple[str, str, dict, str]:
    source = cloud.host_of(sid)
    _act(cloud, sid, action)
    dest = cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
    assert _cell_of(dest) != _cell_of(source)
    (migration,) = cloud.admin.get(f"/os-migrations?instance_uuid={sid}&status=finished",
                                   version="2.59")[1]["migrations"]
    state = _state(cloud, sid, vols, devices)
    return source, dest, state, migration["uuid"]


def test_resize_across_cells_then_confirm_takes_the_volumes_along(cloud, vols, server):
    sid, devices = server
    ids = sorted(devices)
    source, dest, moved, migration = _moved(cloud, sid, vols, devices,
                                            {"resize": {"flavorRef": "2"}})
    by_device = {d: v for v, d in devices.items()}
    assert moved["connected"] == {source: {}, dest: by_device}
    # The target's attachment is connected; the source keeps a reservation.
    assert moved["attachments"] == {v: [("attached", sid), ("reserved", sid)] for v in ids}
    assert moved["volumes"] == {v: "in-use" for v in ids}
    assert moved["volumes_attached"] == ids
    assert moved["mappings"] == {_cell_of(source): ids, _cell_of(dest): ids}
    assert cloud.held(sid) == {dest: SMALL}
    assert cloud.held(migration) == {source: TINY}
    _audit_clean(cloud)

    _act(cloud, sid, {"confirmResize": None})
    cloud.settled(sid, "ACTIVE")
    done = _state(cloud, sid, vols, devices)
    assert done["connected"] == {source: {}, dest: by_device}
    assert done["attachments"] == {v: [("attached", sid)] for v in ids}
    assert done["volumes"] == {v: "in-use" for v in ids}
    assert done["volumes_attached"] == ids
    assert done["mappings"] == {_cell_of(source): [], _cell_of(dest): ids}
    assert cloud.held(sid) == {dest: SMALL} and cloud.held(migration) == {}
    _audit_clean(cloud)


def test_migrate_across_cells_then_revert_brings_the_volumes_back(cloud, vols, server):
    sid, devices = server
    ids = sorted(devices)
    before = _state(cloud, sid, vols, devices)
    source, dest, moved, migration = _moved(cloud, sid, vols, devices, {"migrate": None})
    by_device = {d: v for v, d in devices.items()}
    assert moved["connected"] == {source: {}, dest: by_device}
    assert moved["attachments"] == {v: [("attached", sid), ("reserved", sid)] for v in ids}
    assert moved["volumes_attached"] == ids
    assert cloud.held(sid) == {dest: TINY} and cloud.held(migration) == {source: TINY}

    _act(cloud, sid, {"revertResize": None})
    shown = cloud.settled(sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    wait_for(lambda: cloud.embedded.agents and _state(cloud, sid, vols, devices)[
        "connected"][source], "the volumes connected on the source again")
    back = _state(cloud, sid, vols, devices)
    assert back["connected"] == {source: by_device, dest: {}}
    assert back["attachments"] == {v: [("attached", sid)] for v in ids}
    assert back["volumes"] == {v: "in-use" for v in ids}
    assert back["volumes_attached"] == ids
    assert back["mappings"] == before["mappings"] == {_cell_of(source): ids,
                                                      _cell_of(dest): []}
    assert cloud.held(sid) == {source: TINY} and cloud.held(migration) == {}
    _audit_clean(cloud)


def test_a_server_deleted_in_verify_resize_across_cells_lets_go_of_its_volumes(
        cloud, vols, server):
    """Deleted while it waits in the other cell (the fixture deletes it):
    both cells' attachments and mappings go, the volumes are available."""
    sid, devices = server
    _moved(cloud, sid, vols, devices, {"migrate": None})


def test_a_target_host_that_fails_hands_the_volumes_back(cloud, vols, server):
    """The target host cannot make the guest: it lets go of the volumes it
    connected, the target cell's copy goes, the source connects its
    reservations again and the server runs where it was."""
    sid, devices = server
    ids = sorted(devices)
    before = _state(cloud, sid, vols, devices)
    source = cloud.host_of(sid)
    target = next(a for a in cloud.embedded.agents if _cell_of(a.host) != _cell_of(source))
    hook = target.driver.hooks.fail("spawn", times=1)
    try:
        _act(cloud, sid, {"migrate": None})
        wait_for(lambda: "Error" in [e["result"] for e in
                                     cloud.wait_action_done(sid, "migrate")["events"]],
                 "the failed event of the migrate")
    finally:
        if hook in target.driver.hooks._hooks.get("spawn", []):
            target.driver.hooks.remove("spawn", hook)
    assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
    wait_for(lambda: _state(cloud, sid, vols, devices)["connected"][source],
             "the volumes connected on the source again")
    after = _state(cloud, sid, vols, devices)
    assert after["connected"] == before["connected"]
    assert after["attachments"] == {v: [("attached", sid)] for v in ids}
    assert after["volumes"] == {v: "in-use" for v in ids}
    assert after["mappings"] == before["mappings"]
    assert cloud.held(sid) == {source: TINY}
    _audit_clean(cloud)


def _force_down(cloud, host: str, down: bool) -> None:
    services = cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
    svc = next(s for s in services if s["host"] == host)
    assert cloud.admin.put(f"/os-services/{svc['id']}", {"forced_down": down},
                           version="2.53")[0] == 200


@pytest.mark.parametrize("source_up", [True, False])
def test_a_server_deleted_across_cells_takes_its_volumes_along(cloud, vols, source_up):
    """Booted from a new volume made from the image (delete_on_termination)
    with a data volume, deleted in VERIFY_RESIZE in the other cell: the
    root volume goes, the data volume is available with no attachment —
    though the source still held a reservation of each (the host that
    deletes the server deletes every attachment the server has; with the
    source down nothing else would)."""
    data = vols.create(1, name="far-data")
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "far-dot", "imageRef": "", "flavorRef": "1", "networks": "none",
        "block_device_mapping_v2": [{
            "boot_index": 0, "uuid": cloud.image_id(), "source_type": "image",
            "destination_type": "volume", "volume_size": 1,
            "delete_on_termination": True}]}})
    assert code == 202, body
    sid = body["server"]["id"]
    shown = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    (root,) = [v["id"] for v in shown["os-extended-volumes:volumes_attached"]]
    assert cloud.demo.post(f"/servers/{sid}/os-volume_attachments",
                           {"volumeAttachment": {"volumeId": data["id"]}})[0] == 200
    vols.wait(data["id"], "in-use")
    source = cloud.host_of(sid)
    _act(cloud, sid, {"migrate": None})
    dest = cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
    assert _cell_of(dest) != _cell_of(source)
    assert len(vols.attachments(volume_id=root)) == 2
    if not source_up:
        _force_down(cloud, source, True)
    try:
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
        cloud.wait_gone(cloud.demo, sid)
        vols.wait_gone(root)
        vols.wait(data["id"], "available")
        assert vols.attachments(volume_id=root) == []
        assert vols.attachments(volume_id=data["id"]) == []
        wait_for(lambda: _live_mappings(cloud, sid) == {"cell1": [], "cell2": []},
                 "no mapping left in either cell")
    finally:
        if not source_up:
            _force_down(cloud, source, False)
    assert vols.delete(data["id"]) == 202
    cloud.wait_no_usage()
