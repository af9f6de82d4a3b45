"""A ``finish_resize`` cast that is not the step the move waits for — a
second copy after the move finished, or one the broker kept while the
destination was down and handed over after its start-up reconcile rolled
the move back — changes nothing for a server with a volume attached, on
SQLite, MariaDB and PostgreSQL: no volume attached or moved twice (the
same attachments, connected where the server is), no guest made, the
server, its migration, its action's events and placement as they were."""
from __future__ import annotations

import time

import pytest

from nubes.cells.admin import placement_audit
from tests.functional.compute_api.two_host_moves import (
    DEST,
    SOURCE,
    TINY,
    agents_fixture,
    providers_fixture,
    two_host_cloud,
)
from tests.functional.compute_api.volume_helpers import VolumeApi, wait_for

pytestmark = pytest.mark.slow


cloud = two_host_cloud("late")
agents, providers = agents_fixture(), providers_fixture()


@pytest.fixture(scope="module")
def vols(cloud):
    return VolumeApi(cloud, cloud.demo_token)


@pytest.fixture
def server(cloud, vols):
    """A server on SOURCE with a data volume attached."""
    data = vols.create(1, name="data")
    sid = cloud.boot("late", availability_zone=f"nova:{SOURCE}", api=cloud.admin)
    code, body = cloud.admin.post(f"/servers/{sid}/os-volume_attachments",
                                  {"volumeAttachment": {"volumeId": data["id"]}})
    assert code == 200, body
    vols.wait(data["id"], "in-use")
    yield sid, data["id"]
    assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)
    vols.wait(data["id"], "available")
    assert vols.attachments(volume_id=data["id"]) == []
    assert vols.delete(data["id"]) == 202
    cloud.wait_no_usage()


class _Kept:
    """SOURCE's ``finish_resize`` casts, recorded (and sent, unless
    ``lost``); :meth:`again` sends the recorded one once more."""

    def __init__(self, agent, lost: bool):
        self.peers, self.kept = agent.ops.peers, []
        real = self.peers.finish_resize

        def keep(*args, **kwargs):
            self.kept.append((args, kwargs))
            return type("Lost", (), {"send": lambda _self: None})() if lost else \
                real(*args, **kwargs)
        self.peers.finish_resize = keep

    def wait(self) -> None:
        wait_for(lambda: self.kept, "the finish_resize cast")
        del self.peers.finish_resize

    def again(self) -> None:
        (args, kwargs), = self.kept
        self.peers.finish_resize(*args, **kwargs).send()


def _state(cloud, sid, volume_id, vols, agents) -> dict:
    """Everything a late cast must not change."""
    shown = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    migration = cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                                version="2.59")[1]["migrations"][0]
    actions = cloud.admin.get(f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]
    migrate = next(a for a in actions if a["action"] == "migrate")
    events = cloud.admin.get(f"/servers/{sid}/os-instance-actions/"
                             f"{migrate['request_id']}")[1]["instanceAction"]["events"]
    return {
        "server": {k: shown[k] for k in ("status", "OS-EXT-SRV-ATTR:host",
                                         "OS-EXT-STS:task_state", "flavor")},
        "migration": (migration["status"], migration["updated_at"]),
        "events": sorted((e["event"], e["result"]) for e in events),
        "attachments": [(a["id"], a["status"], a.get("instance"))
                        for a in vols.attachments(volume_id=volume_id)],
        "volume": vols.get(volume_id)["status"],
        "connected": {h: sorted(i["serial"] for i in a.driver.attached_volumes(sid).values())
                      for h, a in agents.items()},
        "guests": {h: a.driver.power_state(sid) for h, a in agents.items()},
        "placement": {"instance": cloud.held(sid), "migration": cloud.held(migration["uuid"])},
    }


def _audit_clean(cloud) -> None:
    result = placement_audit.audit(cloud.api_db, cloud.embedded.databases, cloud.placement)
    assert result.orphans == [] and result.unverified == {}, result


def test_a_second_finish_resize_after_the_move_changes_nothing(cloud, vols, agents,
                                                               server):
    sid, volume_id = server
    kept = _Kept(agents[SOURCE], lost=False)
    assert cloud.admin.post(f"/servers/{sid}/action", {"migrate": None})[0] == 202
    kept.wait()
    cloud.settled(sid, "VERIFY_RESIZE")
    before = _state(cloud, sid, volume_id, vols, agents)
    assert before["connected"] == {SOURCE: [], DEST: [volume_id]}
    assert before["attachments"][0][1:] == ("attached", sid)
    assert before["placement"] == {"instance": {DEST: TINY}, "migration": {SOURCE: TINY}}
    assert before["migration"][0] == "finished"
    # The audit takes the migration's consumer on SOURCE for the move's.
    _audit_clean(cloud)
    migration_uuid = cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                                     version="2.59")[1]["migrations"][0]["uuid"]
    judge = placement_audit.ConsumerJudge(cloud.api_db, cloud.embedded.databases)
    assert judge.judge_many([migration_uuid])[migration_uuid].verdict is \
        placement_audit.Verdict.IN_FLIGHT

    kept.again()                            # the same cast, a second time
    time.sleep(0.5)
    assert _state(cloud, sid, volume_id, vols, agents) == before
    assert cloud.admin.post(f"/servers/{sid}/action", {"confirmResize": None})[0] == 204
    cloud.settled(sid, "ACTIVE")
    after = _state(cloud, sid, volume_id, vols, agents)
    assert after["connected"] == {SOURCE: [], DEST: [volume_id]}
    assert after["attachments"] == before["attachments"]
    assert after["placement"] == {"instance": {DEST: TINY}, "migration": {}}
    _audit_clean(cloud)


def test_a_kept_finish_resize_after_the_roll_back_changes_nothing(cloud, vols, agents,
                                                                  server):
    sid, volume_id = server
    kept = _Kept(agents[SOURCE], lost=True)
    assert cloud.admin.post(f"/servers/{sid}/action", {"migrate": None})[0] == 202
    kept.wait()
    # The destination starts again: its reconcile rolls the move back.
    assert agents[DEST].reconcile().resumed == 1
    cloud.settled(sid, "ACTIVE")
    wait_for(lambda: agents[SOURCE].driver.attached_volumes(sid), "the volume back")
    before = _state(cloud, sid, volume_id, vols, agents)
    assert before["server"]["OS-EXT-SRV-ATTR:host"] == SOURCE
    assert before["migration"][0] == "error"
    assert before["connected"] == {SOURCE: [volume_id], DEST: []}
    assert before["placement"] == {"instance": {SOURCE: TINY}, "migration": {}}

    kept.again()                            # the broker's copy, too late
    time.sleep(0.5)
    assert _state(cloud, sid, volume_id, vols, agents) == before
    _audit_clean(cloud)
