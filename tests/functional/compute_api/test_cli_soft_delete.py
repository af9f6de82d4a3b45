"""Soft delete with the real ``openstack`` CLI (``reclaim_instance_interval``
set, long enough that the periodic reclaim never runs here): ``server
delete`` soft-deletes, ``server restore`` brings the server back, ``server
delete --force`` removes it; an admin's ``server list --deleted`` shows
soft-deleted servers as OpenStack compute does (``deleted=true`` includes
them unless ``soft_deleted=false``)."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow

cloud = module_cloud("cli-soft-delete",
                     overrides={"DEFAULT": {"reclaim_instance_interval": 3600}})


def _deleted_listed(cloud) -> dict[str, str]:
    rows = cloud.openstack("server", "list", "--deleted", "--all-projects", "-f", "json")
    return {r["ID"]: r["Status"] for r in rows}


def test_delete_restore_and_force_delete(cloud):
    made = cloud.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                           "--nic", "none", "sd", "-f", "json", as_="nubes-demo")
    sid = made["id"]
    cloud.settled(sid, "ACTIVE")
    held = cloud.allocations(sid)
    assert held
    cloud.openstack("server", "delete", sid, as_="nubes-demo")
    shown = cloud.settled(sid, "SOFT_DELETED")
    assert shown["OS-EXT-STS:power_state"] == 4 and cloud.allocations(sid) == held
    assert sid not in [s["ID"] for s in cloud.openstack("server", "list", "-f", "json",
                                                        as_="nubes-demo")]
    assert _deleted_listed(cloud)[sid] == "SOFT_DELETED"

    cloud.openstack("server", "restore", sid, as_="nubes-demo")
    assert cloud.settled(sid, "ACTIVE")["OS-EXT-STS:power_state"] == 1
    assert cloud.allocations(sid) == held
    actions = [a["Action"] for a in cloud.openstack("server", "event", "list", sid,
                                                    "-f", "json", as_="nubes-demo")]
    assert actions[:2] == ["restore", "delete"]
    refused = cloud.openstack("server", "restore", sid, as_="nubes-demo", ok=False)
    assert "409" in refused.stderr
    assert sid not in _deleted_listed(cloud)

    cloud.openstack("server", "delete", sid, as_="nubes-demo")
    cloud.settled(sid, "SOFT_DELETED")
    cloud.openstack("server", "delete", "--force", "--wait", sid, as_="nubes-demo")
    assert cloud.admin.get(f"/servers/{sid}")[0] == 404
    assert cloud.allocations(sid) == {}
    assert _deleted_listed(cloud)[sid] == "DELETED"


def test_deleted_filter_includes_soft_deleted_servers(cloud):
    """``GET /servers/detail?deleted=true`` (admin) lists soft-deleted servers
    with the deleted ones; ``soft_deleted=false`` leaves them out."""
    soft, gone = cloud.boot("soft"), cloud.boot("gone")
    try:
        assert cloud.demo.delete(f"/servers/{soft}")[0] == 204
        assert cloud.demo.delete(f"/servers/{gone}")[0] == 204
        cloud.settled(soft, "SOFT_DELETED")
        cloud.settled(gone, "SOFT_DELETED")
        assert cloud.demo.post(f"/servers/{gone}/action", {"forceDelete": None})[0] == 202
        cloud.wait_gone(cloud.demo, gone)

        def listed(query: str) -> dict[str, str]:
            code, body = cloud.admin.get(f"/servers/detail?all_tenants=1&{query}")
            assert code == 200, body
            return {s["id"]: s["status"] for s in body["servers"]}

        assert {soft: "SOFT_DELETED", gone: "DELETED"}.items() <= \
            listed("deleted=true").items()
        only_gone = listed("deleted=true&soft_deleted=false")
        assert only_gone[gone] == "DELETED" and soft not in only_gone
        live = listed("")
        assert soft not in live and gone not in live
        assert listed("soft_deleted=true")[soft] == "SOFT_DELETED"
    finally:
        cloud.admin.post(f"/servers/{soft}/action", {"forceDelete": None})
        cloud.wait_gone(cloud.admin, soft)
