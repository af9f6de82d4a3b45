"""Soft delete (``reclaim_instance_interval``), the restore and forceDelete
actions and the hosts' periodic reclaim, through real HTTP on a whole
embedded cloud: placement allocations are held while a server is
SOFT_DELETED, freed when it goes; restore claims quota again."""
from __future__ import annotations

import datetime
import time

import pytest
import sqlalchemy as sa

from nubes.cells.api_db.models import quotas
from tests.fixtures.cloud import DEMO_PROJECT, module_cloud

pytestmark = pytest.mark.slow
RECLAIM = 3


cloud = module_cloud("soft-delete",
                     overrides={"DEFAULT": {"reclaim_instance_interval": RECLAIM}})




def _used(cloud) -> int:
    return sum(u.get("VCPU", 0) for u in cloud.provider_usages().values())


def test_soft_delete_then_restore_keeps_allocations(cloud):
    sid = cloud.boot("sd")
    used = _used(cloud)
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    shown = cloud.wait_status(cloud.demo, sid, "SOFT_DELETED")
    assert shown["OS-EXT-STS:power_state"] == 4
    assert _used(cloud) == used
    # Not listed by default; listed when asked for (admin filter).
    listed = cloud.demo.get("/servers")[1]["servers"]
    assert sid not in [s["id"] for s in listed]
    code, body = cloud.demo.post(f"/servers/{sid}/action", {"restore": None})
    assert code == 202, body
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    actions = [a["action"] for a in
               cloud.demo.get(f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]]
    assert actions[:2] == ["restore", "delete"]
    code, body = cloud.demo.post(f"/servers/{sid}/action", {"restore": None})
    assert code == 409 and "vm_state active" in body["conflictingRequest"]["message"]
    cloud.demo.post(f"/servers/{sid}/action", {"forceDelete": None})
    cloud.wait_gone(cloud.demo, sid)


def test_force_delete_frees_everything(cloud):
    sid = cloud.boot("sd")
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_status(cloud.demo, sid, "SOFT_DELETED")
    assert cloud.demo.post(f"/servers/{sid}/action", {"forceDelete": None})[0] == 202
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()


def test_periodic_reclaim_deletes_after_the_interval(cloud):
    sid = cloud.boot("sd")
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_status(cloud.demo, sid, "SOFT_DELETED")
    started = time.monotonic()
    cloud.wait_gone(cloud.demo, sid, timeout=RECLAIM * 4)
    assert time.monotonic() - started >= RECLAIM - 1.5
    cloud.wait_no_usage()


def test_restore_needs_quota_room(cloud):
    first = cloud.boot("q1")
    assert cloud.demo.delete(f"/servers/{first}")[0] == 204
    cloud.wait_status(cloud.demo, first, "SOFT_DELETED")
    cloud.api_db.write(lambda conn: conn.execute(sa.insert(quotas).values(
        project_id=DEMO_PROJECT, resource="instances", hard_limit=1,
        created_at=datetime.datetime.now())))
    try:
        second = cloud.boot("q2")   # the soft-deleted server does not count
        code, body = cloud.demo.post(f"/servers/{first}/action", {"restore": None})
        assert code == 403, body
        assert "instances" in body["forbidden"]["message"]
        assert cloud.demo.get(f"/servers/{first}")[1]["server"]["status"] == "SOFT_DELETED"
    finally:
        cloud.api_db.write(lambda conn: conn.execute(
            sa.delete(quotas).where(quotas.c.project_id == DEMO_PROJECT)))
    for sid in (first, second):
        cloud.demo.post(f"/servers/{sid}/action", {"forceDelete": None})
        cloud.demo.delete(f"/servers/{sid}")
    for sid in (first, second):
        cloud.wait_gone(cloud.demo, sid)
