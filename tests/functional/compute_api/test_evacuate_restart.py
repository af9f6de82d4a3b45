"""An evacuation whose destination stops while it rebuilds the server
(migration ``migrating``, task ``rebuilding``) and starts again, on
SQLite, MariaDB and PostgreSQL: its start-up reconcile fails the
evacuation cleanly (:func:`nubes.compute.operations.evacuate.resume_rebuild`):
migration ``failed``, the server on its old host as before with a fault,
placement holding only the instance's allocation there (the destination's
claim and the migration's consumer gone), ``nubes-manage placement audit``
finding nothing — whether the old host is still down (then the server is
evacuated again) or came back meanwhile (the server runs there)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from nubes.cells.admin import placement_audit
from nubes.cells.cell_db.models import instance_faults
from tests.functional.compute_api.two_host_moves import (
    DEST,
    SOURCE,
    TINY,
    HostDied,
    agents_fixture,
    two_host_cloud,
)

pytestmark = pytest.mark.slow


cloud = two_host_cloud("evac")
agents = agents_fixture()


def _force_down(cloud, host: str, down: bool) -> None:
    services = cloud.admin.get("/os-services?binary=nova-compute")[1]["services"]
    svc = next(s for s in services if s["host"] == host)
    assert cloud.admin.put(f"/os-services/{svc['id']}", {"forced_down": down},
                           version="2.53")[0] == 200


def _migration(cloud, sid) -> dict:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"][0]


def _faults(cloud, sid) -> list[str]:
    db = cloud.embedded.databases.get(cloud.embedded.layout.cell_database("cell1"))
    return list(db.read(lambda conn: conn.execute(
        sa.select(instance_faults.c.message).where(instance_faults.c.instance_uuid == sid)
        .order_by(instance_faults.c.id)).scalars().all()))


def _dies_in_spawn(agent, sid) -> threading.Event:
    died, real = threading.Event(), agent.driver.spawn

    def spawn(uuid, *args, **kwargs):
        if uuid != sid:
            return real(uuid, *args, **kwargs)
        died.set()
        raise HostDied()
    agent.driver.spawn = spawn
    return died


@pytest.mark.parametrize("source_back", [False, True], ids=["source-down", "source-back"])
def test_destination_restarted_mid_rebuild_fails_the_evacuation(cloud, agents, source_back):
    sid = cloud.boot("evac", availability_zone=f"nova:{SOURCE}", api=cloud.admin)
    _force_down(cloud, SOURCE, True)
    try:
        died = _dies_in_spawn(agents[DEST], sid)
        try:
            assert cloud.admin.post(f"/servers/{sid}/action", {"evacuate": {}},
                                    version="2.29")[0] == 200
            assert died.wait(30)
        finally:
            del agents[DEST].driver.spawn
        shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
        assert shown["OS-EXT-STS:task_state"] == "rebuilding"
        migration = _migration(cloud, sid)
        assert migration["status"] == "migrating"
        assert cloud.held(migration["uuid"]) == {SOURCE: TINY}
        assert cloud.held(sid) == {DEST: TINY}
        if source_back:                 # the old host came back meanwhile
            _force_down(cloud, SOURCE, False)
            assert agents[SOURCE].reconcile().resumed == 0

        # The destination starts again (its guests gone), its reconcile runs.
        agents[DEST].driver.destroy(sid)
        assert agents[DEST].reconcile().resumed == 1
        shown = cloud.settled(sid, "ACTIVE")
        assert shown["OS-EXT-SRV-ATTR:host"] == SOURCE
        assert _migration(cloud, sid)["status"] == "failed"
        assert cloud.held(sid) == {SOURCE: TINY}
        assert cloud.held(migration["uuid"]) == {}
        assert not any(cloud.provider_usages()[DEST].values())
        assert any("stopped while it rebuilt" in f for f in _faults(cloud, sid))
        result = placement_audit.audit(cloud.api_db, cloud.embedded.databases,
                                       cloud.placement)
        assert result.orphans == [] and result.unverified == {}, result
        assert agents[DEST].driver.power_state(sid) == 0
        for agent in agents.values():   # nothing more to take up
            again = agent.reconcile()
            assert (again.resumed, again.rolled_back) == (0, 0)
        assert agents[SOURCE].destroy_evacuated() == 0
        if source_back:
            assert agents[SOURCE].driver.power_state(sid) == 1
        else:                           # evacuated again, and it works
            assert cloud.admin.post(f"/servers/{sid}/action", {"evacuate": {}},
                                    version="2.29")[0] == 200
            cloud.settled(sid, "ACTIVE")
            assert cloud.host_of(sid) == DEST
            evacuated = _migration(cloud, sid)
            assert evacuated["status"] == "done"
            assert cloud.held(sid) == {DEST: TINY}
            assert cloud.held(evacuated["uuid"]) == {SOURCE: TINY}   # source still down
            _force_down(cloud, SOURCE, False)
            assert agents[SOURCE].destroy_evacuated() == 1
            assert cloud.held(evacuated["uuid"]) == {}
    finally:
        _force_down(cloud, SOURCE, False)
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)
    cloud.wait_no_usage()
