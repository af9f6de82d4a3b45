"""A move whose first cast was lost (the super-conductor recorded it,
handed the source's allocation to the migration and claimed the
destination, but the host step it cast never ran) is rolled back by the
cell conductor's stuck-task check, on SQLite, MariaDB and PostgreSQL:
migration ``error`` (``failed`` for an evacuation), the server as before
(vm_state kept, task cleared, a fault saying it timed out, the action's
event in Error), placement holding only the instance's allocation on its
source (the destination's claim and the migration's consumer gone), and
``nubes-manage placement audit`` finding nothing.  The lost cast, arriving
afterwards, changes nothing; a host that takes the step up at the same
moment wins."""
from __future__ import annotations

import datetime
import time
from unittest import mock

import pytest
import sqlalchemy as sa

from nubes.cells.admin import placement_audit
from nubes.cells.cell_db.models import instance_faults, instances, migrations
from nubes.compute.rpcapi import ComputeAPI
from nubes.conductor.cell import stuck
from tests.functional.compute_api.two_host_moves import (
    DEST,
    SOURCE,
    TINY,
    agents_fixture,
    providers_fixture,
    two_host_cloud,
)

pytestmark = pytest.mark.slow
TIMEOUT = 60


cloud = two_host_cloud("lost", live_migration_seconds=0.2)
agents, providers = agents_fixture(), providers_fixture()


def _cell_db(cloud):
    return cloud.embedded.databases.get(cloud.embedded.layout.cell_database("cell1"))


def _act(cloud, sid, body, **kw):
    code, answer = cloud.admin.post(f"/servers/{sid}/action", body, **kw)
    assert code in (200, 202, 204), answer


def _migration(cloud, sid) -> dict:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"][0]


class _Lost:
    """Casts of ``ComputeAPI.<method>`` are kept instead of sent;
    :meth:`late` sends them afterwards."""

    def __init__(self, method: str):
        self.method, self.kept = method, []
        self.real = getattr(ComputeAPI, method)

        def keep(api, *args, **kwargs):
            self.kept.append((api, args, kwargs))
            return mock.Mock()
        self._patch = mock.patch.object(ComputeAPI, method, keep)

    def __enter__(self) -> "_Lost":
        self._patch.start()
        return self

    def __exit__(self, *exc) -> None:
        self._patch.stop()

    def wait(self) -> None:
        deadline = time.monotonic() + 30
        while not self.kept:
            assert time.monotonic() < deadline, f"no {self.method} cast"
            time.sleep(0.05)

    def late(self) -> None:
        (api, args, kwargs), = self.kept
        self.real(api, *args, **kwargs).send()


def _age(cloud, sid, migration_uuid) -> None:
    """The server's row and its migration last changed long ago."""
    long_ago = datetime.datetime.utcnow() - datetime.timedelta(seconds=TIMEOUT * 5)

    def work(conn):
        conn.execute(sa.update(instances).where(instances.c.uuid == sid)
                     .values(updated_at=long_ago))
        conn.execute(sa.update(migrations).where(migrations.c.uuid == migration_uuid)
                     .values(updated_at=long_ago))
    _cell_db(cloud).write(work)


def _faults(cloud, sid) -> list[str]:
    """The server's fault messages (an ACTIVE server's are not shown)."""
    return list(_cell_db(cloud).read(lambda conn: conn.execute(
        sa.select(instance_faults.c.message).where(instance_faults.c.instance_uuid == sid)
        .order_by(instance_faults.c.id)).scalars().all()))


def _stuck_check(cloud) -> list[str]:
    return stuck.put_stuck_in_error(_cell_db(cloud), TIMEOUT, placement=cloud.placement)


SMALL = {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}


def _in_flight(cloud, sid, providers, task: str, status: str, claim=TINY) -> dict:
    """The move as the lost cast left it: both hosts accounted."""
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == task
    assert shown["OS-EXT-SRV-ATTR:host"] == SOURCE
    migration = _migration(cloud, sid)
    assert (migration["status"], migration["dest_compute"]) == (status, DEST)
    assert cloud.allocations(migration["uuid"]) == {providers[SOURCE]: TINY}
    assert cloud.allocations(sid) == {providers[DEST]: claim}
    return migration


def _rolled_back(cloud, sid, providers, status: str, action: str, event: str,
                 migration_status: str = "error") -> dict:
    """The server on its source as before the move, placement exact, the
    audit clean, the fault and the action's failed event there."""
    shown = cloud.settled(sid, status)
    assert shown["OS-EXT-SRV-ATTR:host"] == SOURCE
    faults = _faults(cloud, sid)
    assert len(faults) == 1 and "Timed out in task_state" in faults[0], faults
    migration = _migration(cloud, sid)
    assert migration["status"] == migration_status
    assert cloud.allocations(sid) == {providers[SOURCE]: TINY}
    assert cloud.allocations(migration["uuid"]) == {}
    assert not any(cloud.placement.get_usages(providers[DEST]).values())
    result = placement_audit.audit(cloud.api_db, cloud.embedded.databases, cloud.placement)
    assert result.orphans == [] and result.unverified == {}, result
    listed = cloud.admin.get(f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]
    found = next(a for a in listed if a["action"] == action)
    detail = cloud.admin.get(f"/servers/{sid}/os-instance-actions/"
                             f"{found['request_id']}")[1]["instanceAction"]
    failed = [e for e in detail["events"] if e["event"] == event]
    assert [e["result"] for e in failed] == ["Error"], detail
    assert "Timed out" in failed[0]["traceback"]
    assert detail["message"] == "Error"
    return {"shown": shown, "migration": migration, "events": detail["events"]}


def _unchanged(cloud, sid, before: dict, status: str, action: str, event: str,
               providers, migration_status: str = "error") -> None:
    time.sleep(0.5)
    after = _rolled_back(cloud, sid, providers, status, action, event, migration_status)
    assert after["events"] == before["events"]
    assert after["migration"]["updated_at"] == before["migration"]["updated_at"]


def _done(cloud, sid) -> None:
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()


def _on_source(cloud) -> str:
    sid = cloud.boot("lost", availability_zone=f"nova:{SOURCE}", api=cloud.admin)
    assert cloud.host_of(sid) == SOURCE
    return sid


# --- resize and cold migration -------------------------------------------------------

@pytest.mark.parametrize("stopped", [False, True], ids=["active", "stopped"])
def test_lost_resize_instance_cast_rolls_the_migration_back(cloud, agents, providers,
                                                            stopped):
    sid = _on_source(cloud)
    if stopped:
        _act(cloud, sid, {"os-stop": None})
        cloud.settled(sid, "SHUTOFF")
    status = "SHUTOFF" if stopped else "ACTIVE"
    with _Lost("resize_instance") as lost:
        _act(cloud, sid, {"migrate": None})
        lost.wait()
    migration = _in_flight(cloud, sid, providers, "resize_prep", "pre-migrating")
    assert _stuck_check(cloud) == []            # not yet timed out
    _age(cloud, sid, migration["uuid"])
    assert _stuck_check(cloud) == [sid]
    before = _rolled_back(cloud, sid, providers, status, "migrate",
                          "compute_resize_instance")
    assert agents[SOURCE].driver.power_state(sid) == (4 if stopped else 1)

    lost.late()                                 # the lost cast, too late
    _unchanged(cloud, sid, before, status, "migrate", "compute_resize_instance",
               providers)
    assert agents[SOURCE].driver.power_state(sid) == (4 if stopped else 1)
    assert agents[DEST].driver.power_state(sid) == 0
    assert _stuck_check(cloud) == []
    _act(cloud, sid, {"migrate": None})         # and it moves fine again
    cloud.settled(sid, "VERIFY_RESIZE")
    assert cloud.host_of(sid) == DEST
    _act(cloud, sid, {"confirmResize": None})
    cloud.settled(sid, status)
    _done(cloud, sid)


def test_a_source_that_takes_the_step_up_at_the_same_moment_wins(cloud, providers):
    sid = _on_source(cloud)
    with _Lost("resize_instance") as lost:
        _act(cloud, sid, {"resize": {"flavorRef": "2"}})
        lost.wait()
    migration = _in_flight(cloud, sid, providers, "resize_prep", "pre-migrating", SMALL)
    _age(cloud, sid, migration["uuid"])
    # The source moves the migration on just before the check looks.
    real = stuck.stuck_moves._lost_first_cast

    def source_first(conn, *args):
        conn.execute(sa.update(migrations).where(migrations.c.uuid == migration["uuid"])
                     .values(status="migrating", updated_at=datetime.datetime.utcnow()))
        return real(conn, *args)
    with mock.patch.object(stuck.stuck_moves, "_lost_first_cast", source_first):
        assert _stuck_check(cloud) == []
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert shown["OS-EXT-STS:task_state"] == "resize_prep" and _faults(cloud, sid) == []
    assert _migration(cloud, sid)["status"] == "migrating"
    assert cloud.allocations(migration["uuid"]) == {providers[SOURCE]: TINY}
    # (the source's own step: as it was before it took it up, and then runs)
    _cell_db(cloud).write(lambda conn: conn.execute(
        sa.update(migrations).where(migrations.c.uuid == migration["uuid"])
        .values(status="pre-migrating")))
    lost.late()
    cloud.settled(sid, "VERIFY_RESIZE")
    _act(cloud, sid, {"revertResize": None})
    cloud.settled(sid, "ACTIVE")
    assert cloud.allocations(sid) == {providers[SOURCE]: TINY}
    _done(cloud, sid)


# --- live migration ------------------------------------------------------------------

def test_lost_live_migration_cast_rolls_it_back(cloud, agents, providers):
    sid = _on_source(cloud)
    with _Lost("live_migrate_instance") as lost:
        _act(cloud, sid, {"os-migrateLive": {"host": DEST, "block_migration": "auto"}},
             version="2.30")
        lost.wait()
    migration = _in_flight(cloud, sid, providers, "migrating", "preparing")
    _age(cloud, sid, migration["uuid"])
    assert _stuck_check(cloud) == [sid]
    before = _rolled_back(cloud, sid, providers, "ACTIVE", "live-migration",
                          "compute_live_migration")

    lost.late()
    _unchanged(cloud, sid, before, "ACTIVE", "live-migration", "compute_live_migration",
               providers)
    assert agents[SOURCE].driver.power_state(sid) == 1
    assert agents[DEST].driver.power_state(sid) == 0
    _act(cloud, sid, {"os-migrateLive": {"host": DEST, "block_migration": "auto"}},
         version="2.30")
    cloud.settled(sid, "ACTIVE")
    assert cloud.host_of(sid) == DEST
    _done(cloud, sid)


# --- evacuation ----------------------------------------------------------------------

def _force_down(cloud, host: str, down: bool) -> None:
    services = cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
    svc = next(s for s in services if s["host"] == host)
    assert cloud.admin.put(f"/os-services/{svc['id']}", {"forced_down": down},
                           version="2.53")[0] == 200


def test_lost_evacuate_cast_fails_the_evacuation(cloud, agents, providers):
    sid = _on_source(cloud)
    _force_down(cloud, SOURCE, True)
    try:
        with _Lost("evacuate_instance") as lost:
            _act(cloud, sid, {"evacuate": {}}, version="2.29")
            lost.wait()
        migration = _in_flight(cloud, sid, providers, "rebuilding", "pre-migrating")
        _age(cloud, sid, migration["uuid"])
        assert _stuck_check(cloud) == [sid]
        before = _rolled_back(cloud, sid, providers, "ACTIVE", "evacuate",
                              "compute_rebuild_instance", "failed")
        lost.late()
        _unchanged(cloud, sid, before, "ACTIVE", "evacuate", "compute_rebuild_instance",
                   providers, "failed")
        assert agents[DEST].driver.power_state(sid) == 0
    finally:
        _force_down(cloud, SOURCE, False)
    assert agents[SOURCE].destroy_evacuated() == 0     # nothing evacuated away
    assert agents[SOURCE].driver.power_state(sid) == 1
    _done(cloud, sid)
