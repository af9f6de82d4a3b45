"""Evacuation from a host that is down, through real HTTP on a whole
embedded cloud: the migration holds the dead host's allocation while the
instance holds the new host's; when the old host starts again it drops its
guest and that allocation."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import module_cloud

pytestmark = pytest.mark.slow
TINY = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


cloud = module_cloud("evacuate", hosts_per_cell=2)


@pytest.fixture
def server(cloud):
    sid = cloud.boot("evac")
    yield sid
    for svc in _services(cloud).values():
        _force_down(cloud, svc, False)
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)
    for agent in cloud.embedded.agents:
        agent.destroy_evacuated()
    cloud.wait_no_usage()


def _services(cloud) -> dict[str, dict]:
    return {s["host"]: s for s in cloud.admin.get("/os-services?binary=nova-compute")[1][
        "services"]}


def _force_down(cloud, svc, down: bool) -> None:
    assert cloud.admin.put(f"/os-services/{svc['id']}", {"forced_down": down},
                           version="2.53")[0] == 200


def _migration(cloud, sid) -> dict:
    return cloud.admin.get(f"/os-migrations?instance_uuid={sid}",
                           version="2.59")[1]["migrations"][0]


def _act(api, sid, body, **kw):
    return api.post(f"/servers/{sid}/action", body, **kw)


def test_evacuate_and_the_old_host_cleans_up(cloud, server):
    services = _services(cloud)
    source = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    (dest,) = set(services) - {source}
    code, body = _act(cloud.admin, server, {"evacuate": {}})
    assert code == 400 and "is still in use" in body["badRequest"]["message"]
    _force_down(cloud, services[source], True)
    assert _act(cloud.demo, server, {"evacuate": {}})[0] == 403
    assert _act(cloud.admin, server, {"evacuate": {"host": source}})[0] == 400
    assert _act(cloud.admin, server, {"evacuate": {"host": "nowhere"}})[0] == 404
    code, body = _act(cloud.admin, server, {"evacuate": {}}, version="2.94")
    assert code == 200 and not body
    shown = cloud.settled(server, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == dest
    migration = _migration(cloud, server)
    assert (migration["migration_type"], migration["status"]) == ("evacuation", "done")
    assert cloud.held(server) == {dest: TINY}
    assert cloud.held(migration["uuid"]) == {source: TINY}

    # The old host comes back: its guest and the migration's allocation go.
    _force_down(cloud, services[source], False)
    agent = next(a for a in cloud.embedded.agents if a.host == source)
    assert server in agent.driver.guests()
    assert agent.destroy_evacuated() == 1
    assert server not in agent.driver.guests()
    assert cloud.allocations(migration["uuid"]) == {}
    assert _migration(cloud, server)["status"] == "completed"
    assert agent.destroy_evacuated() == 0


def test_evacuate_before_214_answers_the_password_and_295_stops(cloud, server):
    services = _services(cloud)
    source = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    _force_down(cloud, services[source], True)
    assert _act(cloud.admin, server, {"evacuate": {}}, version="2.13")[0] == 400
    code, body = _act(cloud.admin, server, {"evacuate": {"onSharedStorage": False,
                                                          "adminPass": "pw"}},
                      version="2.13")
    assert code == 200 and body == {"adminPass": "pw"}
    cloud.settled(server, "ACTIVE")
    dest = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    # Back the other way at 2.95: it ends stopped.
    _force_down(cloud, services[source], False)
    _force_down(cloud, services[dest], True)
    assert _act(cloud.admin, server, {"evacuate": {}}, version="2.95")[0] == 200
    shown = cloud.settled(server, "SHUTOFF")
    assert shown["OS-EXT-SRV-ATTR:host"] == source


def test_no_valid_host_keeps_it_where_it_was(cloud, server):
    services = _services(cloud)
    source = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    (dest,) = set(services) - {source}
    _force_down(cloud, services[source], True)
    cloud.admin.put(f"/os-services/{services[dest]['id']}", {"status": "disabled"},
                    version="2.53")
    try:
        assert _act(cloud.admin, server, {"evacuate": {}})[0] == 200
        action = cloud.wait_action_done(server, "evacuate")
        assert action["events"][0]["result"] == "Error"
        shown = cloud.admin.get(f"/servers/{server}")[1]["server"]
        assert shown["OS-EXT-SRV-ATTR:host"] == source
        assert shown["OS-EXT-STS:task_state"] is None
        assert cloud.held(server) == {source: TINY}
        assert _migration(cloud, server)["status"] == "error"
    finally:
        cloud.admin.put(f"/os-services/{services[dest]['id']}", {"status": "enabled"},
                        version="2.53")
