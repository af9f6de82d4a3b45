"""A host's volume calls that no user made — its periodic reclaim of a
soft-deleted server, its periodic offload of a shelved one — reach the
volume API with the service's own token (``[volume_client] token``; the
embedded cloud mints it), on SQLite, MariaDB and PostgreSQL.  Before, they
went with no token at all: the volume API answered 401, a reclaimed
server's attachment was left behind (the volume stuck ``in-use`` with no
server) and an offload failed.  (The start-up reconcile's roll-back of a
move with a volume: ``test_finish_resize_late_cast.py``.)"""
from __future__ import annotations

import pytest

from tests.fixtures import databases
from tests.fixtures.backend_cloud import BackendCloud
from tests.functional.compute_api.volume_helpers import VolumeApi, wait_for

pytestmark = pytest.mark.slow
PERIOD = 1   # reclaim_instance_interval and shelved_offload_time (seconds)


@pytest.fixture(scope="module", params=databases.backends())
def cloud(request, tmp_path_factory):
    made = BackendCloud(request.param, str(tmp_path_factory.mktemp("ident") / "state"),
                        overrides={"DEFAULT": {"reclaim_instance_interval": PERIOD,
                                               "shelved_offload_time": PERIOD}})
    yield made.cloud
    made.stop()


@pytest.fixture(scope="module")
def vols(cloud):
    return VolumeApi(cloud, cloud.demo_token)


def _with_volume(cloud, vols, name: str) -> tuple[str, str]:
    """A demo user's server with a data volume attached (by the demo user)."""
    data = vols.create(1, name=name)
    sid = cloud.boot(name)
    code, body = cloud.demo.post(f"/servers/{sid}/os-volume_attachments",
                                 {"volumeAttachment": {"volumeId": data["id"]}})
    assert code == 200, body
    vols.wait(data["id"], "in-use")
    return sid, data["id"]


def test_the_periodic_reclaim_releases_the_volumes(cloud, vols):
    sid, volume_id = _with_volume(cloud, vols, "reclaimed")
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid, timeout=PERIOD * 20)
    vols.wait(volume_id, "available")
    assert vols.attachments(volume_id=volume_id) == []
    assert vols.delete(volume_id) == 202
    vols.wait_gone(volume_id)
    cloud.wait_no_usage()


def test_the_periodic_offload_lets_go_of_the_volumes(cloud, vols):
    sid, volume_id = _with_volume(cloud, vols, "offloaded")
    (before,) = vols.attachments(volume_id=volume_id)
    assert cloud.demo.post(f"/servers/{sid}/action", {"shelve": None})[0] == 202
    shown = cloud.wait_status(cloud.demo, sid, "SHELVED_OFFLOADED", timeout=PERIOD * 20)
    assert shown["OS-EXT-STS:task_state"] is None
    # The volume stays the server's: one attachment, a reservation (no host).
    (after,) = vols.attachments(volume_id=volume_id)
    assert after["id"] != before["id"] and after["instance"] == sid
    assert after["status"] == "reserved"
    assert cloud.held(sid) == {}
    assert [a["volumeId"] for a in cloud.demo.get(
        f"/servers/{sid}/os-volume_attachments")[1]["volumeAttachments"]] == [volume_id]
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid, timeout=PERIOD * 20)
    wait_for(lambda: vols.attachments(volume_id=volume_id) == [], "the reservation gone")
    vols.wait(volume_id, "available")
    assert vols.delete(volume_id) == 202
    cloud.wait_no_usage()
