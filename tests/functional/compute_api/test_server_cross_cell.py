"""Resize and cold migration across cells (policy
``compute:servers:resize:cross_cell``, here allowed to admins): with one host
per cell a move can only go to the other cell.  The server shows once in
the listing, keeps its actions, and placement holds the source for the
migration until the move is confirmed or reverted."""
from __future__ import annotations

import time

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
SMALL = {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    where = tmp_path_factory.mktemp("cross-cell")
    policy = where / "policy.yaml"
    policy.write_text('"compute:servers:resize:cross_cell": "rule:context_is_admin"\n')
    made = ServersCloud(str(where / "state"), cells=2, hosts_per_cell=1,
                        overrides={"oslo_policy": {"policy_file": str(policy)}})
    yield made
    made.stop()


def _act(api, sid, body):
    return api.post(f"/servers/{sid}/action", body)


def _listed(cloud, sid) -> int:
    servers = cloud.admin.get("/servers/detail?all_tenants=1")[1]["servers"]
    return sum(1 for s in servers if s["id"] == sid)


def _migration(cloud, sid) -> dict:
    """The server's move waiting for confirmation (an earlier failed one
    may share its creation second)."""
    found = cloud.admin.get(f"/os-migrations?instance_uuid={sid}&status=finished",
                            version="2.59")[1]
    (migration,) = found["migrations"]
    return migration


def test_resize_across_cells_then_confirm(cloud):
    sid = cloud.boot("far")
    try:
        _resize_across_cells_then_confirm(cloud, sid)
    finally:
        cloud.admin.delete(f"/servers/{sid}")
        cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()


def _resize_across_cells_then_confirm(cloud, sid):
    source = cloud.host_of(sid)
    # A member may not leave the cell: with no room in it the resize fails
    # and the server stays where it was, as it was.
    assert _act(cloud.demo, sid, {"resize": {"flavorRef": "2"}})[0] == 202
    assert cloud.wait_action_done(sid, "resize")["events"][0]["result"] == "Error"
    assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
    assert cloud.held(sid) == {source: TINY}

    assert _act(cloud.admin, sid, {"resize": {"flavorRef": "2"}})[0] == 202
    shown = cloud.settled(sid, "VERIFY_RESIZE")
    dest = shown["OS-EXT-SRV-ATTR:host"]
    assert dest.split("-")[0] != source.split("-")[0]
    assert _listed(cloud, sid) == 1
    migration = _migration(cloud, sid)
    assert cloud.held(sid) == {dest: SMALL}
    assert cloud.held(migration["uuid"]) == {source: TINY}
    assert _act(cloud.demo, sid, {"confirmResize": None})[0] == 204
    shown = cloud.settled(sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    assert shown["flavor"]["original_name"] == "m1.small"
    assert cloud.allocations(migration["uuid"]) == {}
    assert _listed(cloud, sid) == 1
    actions = [a["action"] for a in cloud.demo.get(
        f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]]
    assert actions[-1] == "create" and "confirmResize" in actions and "resize" in actions
    agents = {a.host: a for a in cloud.embedded.agents}
    assert sid not in agents[source].driver.guests()
    assert sid in agents[dest].driver.guests()


def test_migrate_across_cells_then_revert(cloud):
    sid = cloud.boot("back")
    source = cloud.host_of(sid)
    assert _act(cloud.admin, sid, {"migrate": None})[0] == 202
    dest = cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
    assert dest != source and _listed(cloud, sid) == 1
    migration = _migration(cloud, sid)
    assert _act(cloud.demo, sid, {"revertResize": None})[0] == 202
    shown = cloud.settled(sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == source
    assert cloud.held(sid) == {source: TINY}
    assert cloud.allocations(migration["uuid"]) == {}
    assert _listed(cloud, sid) == 1
    actions = [a["action"] for a in cloud.demo.get(
        f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]]
    assert actions[:2] == ["revertResize", "migrate"]
    # It still works where it is.
    assert _act(cloud.demo, sid, {"os-stop": None})[0] == 202
    cloud.settled(sid, "SHUTOFF")
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()


def test_openstack_cli_across_cells(cloud):
    sid = cloud.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                          "--nic", "none", "cli-far", "--wait", "-f", "json")["id"]
    try:
        source = cloud.host_of(sid)
        cloud.openstack("server", "resize", "--flavor", "m1.small", "--wait", sid)
        dest = cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
        assert dest.split("-")[0] != source.split("-")[0]
        cloud.openstack("server", "resize", "confirm", sid)
        assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
        cloud.openstack("server", "migrate", "--wait", sid)
        cloud.settled(sid, "VERIFY_RESIZE")
        cloud.openstack("server", "resize", "revert", sid)
        assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    finally:
        cloud.openstack("server", "delete", "--wait", sid)


def _live_rows(cloud, sid) -> dict[str, int]:
    """Cell name -> the server's rows not deleted there (hidden ones too)."""
    import sqlalchemy as sa
    from nubes.cells.cell_db import models as cell_models
    counts = {}
    for cell in ("cell1", "cell2"):
        db = cloud.embedded.databases.get(cloud.embedded.layout.cell_database(cell))
        table = cell_models.instances
        counts[cell] = db.read(lambda conn, t=table: conn.scalar(
            sa.select(sa.func.count()).select_from(t).where(t.c.uuid == sid,
                                                            t.c.deleted == 0)))
    return counts


@pytest.mark.parametrize("then", ["delete", "revert-then-delete"])
def test_a_server_deleted_while_resized_across_cells_leaves_nothing(cloud, then):
    """Deleted in VERIFY_RESIZE (or just after asking for the revert): the
    guests on both hosts, the source cell's hidden copy, the migration's
    allocation and the instance's all go."""
    sid = cloud.boot("gone-" + then)
    source = cloud.host_of(sid)
    assert _act(cloud.admin, sid, {"migrate": None})[0] == 202
    dest = cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"]
    if then == "revert-then-delete":
        assert _act(cloud.demo, sid, {"revertResize": None})[0] == 202
    assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()
    agents = {a.host: a for a in cloud.embedded.agents}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
            sid in agents[source].driver.guests() or sid in agents[dest].driver.guests()
            or any(_live_rows(cloud, sid).values())):
        time.sleep(0.1)
    assert sid not in agents[source].driver.guests()
    assert sid not in agents[dest].driver.guests()
    assert _live_rows(cloud, sid) == {"cell1": 0, "cell2": 0}
    assert _listed(cloud, sid) == 0


# Servers with volumes across cells: test_cross_cell_volumes.py.
