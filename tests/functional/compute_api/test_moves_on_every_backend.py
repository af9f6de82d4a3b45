"""Moves with their databases on SQLite, MariaDB and PostgreSQL (the API,
placement and cell databases on the backend): resize + confirm, migrate +
revert, live migration, evacuation, a delete mid-move, and 12 resizes at
once into a host with room for 6 — placement holds exactly what the
servers use after every step, and each server is counted once per host."""
from __future__ import annotations

import concurrent.futures
import time

import pytest

from tests.fixtures import databases
from tests.fixtures.backend_cloud import BackendCloud
from tests.fixtures.cloud import ADMIN_PROJECT

pytestmark = pytest.mark.slow
SOURCE, DEST = "cell1-compute1", "cell1-compute2"
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
SMALL = {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}


@pytest.fixture(scope="module", params=databases.backends())
def cloud(request, tmp_path_factory):
    made = BackendCloud(request.param, str(tmp_path_factory.mktemp("moves-db") / "state"),
                        hosts_per_cell=2, overrides={
                            "DEFAULT": {"cpu_allocation_ratio": 1.0,
                                        "ram_allocation_ratio": 1.0,
                                        "disk_allocation_ratio": 1.0,
                                        "reserved_host_memory_mb": 0},
                            "fake_driver": {"live_migration_seconds": 0.3, "host_size": [
                                f"{SOURCE} vcpus=32 memory_mb=65536 local_gb=1000",
                                # six m1.small (2048 MB) fit
                                f"{DEST} vcpus=32 memory_mb=12800 local_gb=1000"]}})
    yield made.cloud
    made.stop()


def _act(cloud, sid, body, **kw):
    code, answer = cloud.admin.post(f"/servers/{sid}/action", body, **kw)
    assert code in (200, 202, 204), answer


def _on(cloud, host: str) -> str:
    sid = cloud.boot("mover", availability_zone=f"nova:{host}", api=cloud.admin)
    assert cloud.host_of(sid) == host
    return sid


def _migration(cloud, sid) -> dict:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"][0]


def _gone(cloud, *sids) -> None:
    for sid in sids:
        cloud.admin.delete(f"/servers/{sid}")
    for sid in sids:
        cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()


def test_resize_confirm_then_migrate_revert(cloud):
    sid = _on(cloud, SOURCE)
    try:
        _act(cloud, sid, {"resize": {"flavorRef": "2"}})
        assert cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == DEST
        migration = _migration(cloud, sid)
        assert cloud.held(sid) == {DEST: SMALL}
        assert cloud.held(migration["uuid"]) == {SOURCE: TINY}
        tiny, small = migration["old_instance_type_id"], migration["new_instance_type_id"]
        assert isinstance(tiny, int) and isinstance(small, int) and tiny != small
        _act(cloud, sid, {"confirmResize": None})
        cloud.settled(sid, "ACTIVE")
        assert cloud.held(sid) == {DEST: SMALL}
        assert cloud.allocations(migration["uuid"]) == {}

        _act(cloud, sid, {"migrate": None})
        assert cloud.settled(sid, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == SOURCE
        migration = _migration(cloud, sid)
        assert cloud.held(migration["uuid"]) == {DEST: SMALL}
        assert (migration["old_instance_type_id"], migration["new_instance_type_id"]) == \
            (small, small)
        _act(cloud, sid, {"revertResize": None})
        assert cloud.settled(sid, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == DEST
        assert cloud.held(sid) == {DEST: SMALL}
        assert cloud.allocations(migration["uuid"]) == {}
    finally:
        _gone(cloud, sid)


def test_live_migration_and_evacuation(cloud):
    sid = _on(cloud, SOURCE)
    try:
        _act(cloud, sid, {"os-migrateLive": {"host": None, "block_migration": "auto"}})
        deadline = time.monotonic() + 30
        while cloud.host_of(sid) != DEST or cloud.settled(sid, "ACTIVE") is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert cloud.held(sid) == {DEST: TINY}
        assert cloud.allocations(_migration(cloud, sid)["uuid"]) == {}

        services = {s["host"]: s for s in cloud.admin.get(
            "/os-services?binary=nova-compute")[1]["services"]}
        down = services[DEST]["id"]
        assert cloud.admin.put(f"/os-services/{down}", {"forced_down": True},
                               version="2.53")[0] == 200
        try:
            _act(cloud, sid, {"evacuate": {}}, version="2.94")
            deadline = time.monotonic() + 30
            while cloud.host_of(sid) != SOURCE:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            cloud.settled(sid, "ACTIVE")
        finally:
            cloud.admin.put(f"/os-services/{down}", {"forced_down": False}, version="2.53")
        migration = _migration(cloud, sid)
        assert cloud.held(sid) == {SOURCE: TINY}
        assert cloud.held(migration["uuid"]) == {DEST: TINY}
        agent = next(a for a in cloud.embedded.agents if a.host == DEST)
        assert agent.destroy_evacuated() == 1
        assert cloud.allocations(migration["uuid"]) == {}
    finally:
        _gone(cloud, sid)


def test_a_delete_mid_move_leaves_nothing(cloud):
    sid = _on(cloud, SOURCE)
    _act(cloud, sid, {"resize": {"flavorRef": "2"}})
    cloud.settled(sid, "VERIFY_RESIZE")
    migration = _migration(cloud, sid)
    _gone(cloud, sid)
    assert cloud.allocations(migration["uuid"]) == {}
    assert [a.host for a in cloud.embedded.agents if sid in a.driver.guests()] == []


def test_twelve_resizes_into_room_for_six(cloud):
    """Every server starts on SOURCE; DEST has room for six m1.small."""
    dest = next(s for s in cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
                if s["host"] == DEST)
    assert cloud.admin.put(f"/os-quota-sets/{ADMIN_PROJECT}", {"quota_set": {
        "instances": 40, "cores": 100, "ram": 200000}})[0] == 200
    cloud.admin.put(f"/os-services/{dest['id']}", {"status": "disabled"}, version="2.53")
    try:
        code, body = cloud.admin.post("/servers", {"server": {
            "name": "race", "imageRef": cloud.image_id(), "flavorRef": "1",
            "networks": "none", "min_count": 12, "max_count": 12,
            "return_reservation_id": True}})
        assert code == 202, body
        listed = cloud.admin.get(
            f"/servers?all_tenants=1&reservation_id={body['reservation_id']}")[1]["servers"]
        ids = [s["id"] for s in listed]
        assert len(ids) == 12
        for sid in ids:
            cloud.settled(sid, "ACTIVE", timeout=60)
    finally:
        cloud.admin.put(f"/os-services/{dest['id']}", {"status": "enabled"}, version="2.53")
    try:
        # With SOURCE taken out, the only destination is DEST.
        cloud.admin.put(f"/os-services/{_service_id(cloud, SOURCE)}", {"status": "disabled"},
                        version="2.53")
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            list(pool.map(lambda sid: _act(cloud, sid, {"resize": {"flavorRef": "2"}}), ids))
        finals = {sid: cloud.settled(sid, "ACTIVE", "VERIFY_RESIZE", timeout=60)
                  for sid in ids}
        moved = [sid for sid, s in finals.items() if s["status"] == "VERIFY_RESIZE"]
        stayed = [sid for sid, s in finals.items() if s["status"] == "ACTIVE"]
        assert len(moved) == 6 and len(stayed) == 6
        for sid in moved:
            assert cloud.held(sid) == {DEST: SMALL}
        for sid in stayed:
            assert cloud.held(sid) == {SOURCE: TINY}
            assert finals[sid]["OS-EXT-SRV-ATTR:host"] == SOURCE
        usages = cloud.provider_usages()
        assert usages[DEST]["MEMORY_MB"] == 6 * SMALL["MEMORY_MB"]
        # Every server is counted on SOURCE once: its own or its migration's.
        assert usages[SOURCE]["MEMORY_MB"] == 12 * TINY["MEMORY_MB"]
    finally:
        cloud.admin.put(f"/os-services/{_service_id(cloud, SOURCE)}", {"status": "enabled"},
                        version="2.53")
        _gone(cloud, *ids)


def _service_id(cloud, host: str):
    return next(s["id"] for s in cloud.admin.get(
        "/os-services?binary=nova-compute")[1]["services"] if s["host"] == host)
