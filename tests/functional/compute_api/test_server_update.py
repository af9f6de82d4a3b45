"""PUT /servers/{id} through real HTTP on a whole embedded cloud: name,
description (2.19), hostname (2.90, FQDN 2.94), access addresses and disk
config; the answer by microversion (the show view from 2.75); a server
still being built (its build request) and a locked one; bad input; other
projects' servers."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests
from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("update") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _boot(cloud, api, name="u1", **kw) -> str:
    code, body = api.post("/servers", server_body(cloud.image_id(), name=name, **kw))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(api, sid, "ACTIVE")
    return sid


@pytest.fixture(scope="module")
def server(cloud):
    sid = _boot(cloud, cloud.demo, description="first")
    yield sid
    cloud.demo.delete(f"/servers/{sid}")


def _cell_db(cloud):
    return cloud.embedded.databases.get(cloud.embedded.layout.cell_database("cell1"))


def _put(cloud, sid, fields, api=None, version=None):
    return (api or cloud.demo).request("PUT", f"/servers/{sid}", {"server": fields},
                                       version=version)


def test_update_fields_and_answer_is_the_show_view(cloud, server):
    code, body = _put(cloud, server, {
        "name": "renamed", "description": "second", "hostname": "my-host",
        "accessIPv4": "192.168.0.7", "accessIPv6": "0:0:0:0:0:babe:220.12.22.2",
        "OS-DCF:diskConfig": "AUTO"})
    assert code == 200, body
    updated = body["server"]
    assert updated["name"] == "renamed" and updated["description"] == "second"
    assert updated["OS-EXT-SRV-ATTR:hostname"] == "my-host"
    assert (updated["accessIPv4"], updated["accessIPv6"]) == ("192.168.0.7",
                                                              "::babe:dc0c:1602")
    assert updated["OS-DCF:diskConfig"] == "AUTO"
    shown = cloud.demo.get(f"/servers/{server}")[1]["server"]
    assert set(updated) == set(shown)
    for key in ("name", "description", "OS-EXT-SRV-ATTR:hostname", "accessIPv4",
                "accessIPv6", "OS-DCF:diskConfig", "updated", "status"):
        assert shown[key] == updated[key], key
    assert shown["updated"] >= shown["created"]
    # The listing sees the new name (a name filter reads the cell row).
    listed = cloud.demo.get("/servers?name=^renamed$")[1]["servers"]
    assert [s["id"] for s in listed] == [server]
    # Only the description, then clearing it (null).
    code, body = _put(cloud, server, {"description": None})
    assert code == 200 and body["server"]["description"] is None
    assert body["server"]["name"] == "renamed"
    # An empty update changes nothing and answers the server.
    code, body = _put(cloud, server, {})
    assert code == 200 and body["server"]["name"] == "renamed"


def test_answer_by_microversion(cloud, server):
    code, old = _put(cloud, server, {"name": "v274"}, version="2.74")
    assert code == 200
    old = old["server"]
    assert old["name"] == "v274" and old["locked"] is False and "tags" in old
    for absent in ("OS-EXT-STS:vm_state", "OS-EXT-AZ:availability_zone", "key_name",
                   "config_drive", "security_groups", "OS-SRV-USG:launched_at",
                   "os-extended-volumes:volumes_attached", "OS-EXT-SRV-ATTR:host"):
        assert absent not in old, absent
    code, new = _put(cloud, server, {"name": "v275"}, version="2.75")
    assert code == 200 and "OS-EXT-STS:vm_state" in new["server"]
    code, v21 = _put(cloud, server, {"name": "v21"}, version="2.1")
    assert code == 200
    assert "description" not in v21["server"] and "locked" not in v21["server"]
    # Admins see the extended attributes in the answer (2.75+).
    code, admin = _put(cloud, server, {"name": "by-admin"}, api=cloud.admin)
    assert code == 200 and admin["server"]["OS-EXT-SRV-ATTR:host"]


def test_fields_outside_their_microversion_are_400(cloud, server):
    assert _put(cloud, server, {"description": "d"}, version="2.18")[0] == 400
    assert _put(cloud, server, {"hostname": "h"}, version="2.89")[0] == 400
    # At most 63 characters before 2.94; an FQDN, sanitised, from 2.94.
    assert _put(cloud, server, {"hostname": "h" * 64}, version="2.93")[0] == 400
    assert _put(cloud, server, {"hostname": "h" * 64 + ".example"}, version="2.94")[0] == 400
    code, body = _put(cloud, server, {"hostname": "Web_1.Example.COM"}, version="2.94")
    assert code == 200 and body["server"]["OS-EXT-SRV-ATTR:hostname"] == "web-1.example.com"
    code, body = _put(cloud, server, {"hostname": "-.-"}, version="2.94")
    assert code == 400 and "badRequest" in body


@pytest.mark.parametrize("body", [
    {"server": {"name": ""}},
    {"server": {"name": " padded"}},
    {"server": {"name": "x" * 256}},
    {"server": {"name": 5}},
    {"server": {"description": "d" * 256}},
    {"server": {"accessIPv4": "not-an-ip"}},
    {"server": {"accessIPv6": "1.2.3.4"}},
    {"server": {"OS-DCF:diskConfig": "SOMETIMES"}},
    {"server": {"hostname": "bad host"}},
    {"server": {"flavorRef": "2"}},
    {"server": {"name": "n"}, "extra": 1},
    {"server": "renamed"},
    {"name": "top-level"},
    [],
])
def test_bad_bodies_are_400(cloud, server, body):
    before = cloud.demo.get(f"/servers/{server}")[1]["server"]["name"]
    code, answer = cloud.demo.request("PUT", f"/servers/{server}", body)
    assert code == 400 and "badRequest" in answer, (body, answer)
    assert cloud.demo.get(f"/servers/{server}")[1]["server"]["name"] == before


def test_other_projects_server_is_404_admin_may_update(cloud, server):
    assert _put(cloud, MISSING, {"name": "x"})[0] == 404
    sid = _boot(cloud, cloud.admin, name="admins")
    code, body = _put(cloud, sid, {"name": "stolen"})
    assert code == 404 and "itemNotFound" in body
    assert cloud.admin.get(f"/servers/{sid}")[1]["server"]["name"] == "admins"
    code, body = _put(cloud, server, {"name": "admin-renamed"}, api=cloud.admin)
    assert code == 200 and body["server"]["tenant_id"] == DEMO_PROJECT
    assert cloud.admin.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.admin, sid)
    assert _put(cloud, sid, {"name": "gone"}, api=cloud.admin)[0] == 404


def test_locked_server_may_be_updated(cloud, server):
    inst = cell_models.instances
    db = _cell_db(cloud)
    db.write(lambda conn: conn.execute(sa.update(inst).where(inst.c.uuid == server)
                                       .values(locked=True, locked_by="admin")))
    try:
        code, body = _put(cloud, server, {"name": "while-locked"})
        assert code == 200 and body["server"]["locked"] is True
    finally:
        db.write(lambda conn: conn.execute(sa.update(inst).where(inst.c.uuid == server)
                                           .values(locked=False, locked_by=None)))


def test_update_while_building_writes_the_build_request(cloud):
    # A build request the super-conductor has not been asked to place.
    uuid = "0b6cc1a5-1f7e-4f0b-8d1e-7d5b0f1a2c3d"
    instance = {"display_name": "queued", "display_description": None,
                "vm_state": "building", "task_state": "scheduling", "power_state": 0,
                "flavor": '{"flavorid": "1", "name": "m1.tiny", "vcpus": 1, '
                          '"memory_mb": 512, "root_gb": 1}',
                "image_ref": cloud.image_id(), "hostname": "queued", "locked": False}
    cloud.api_db.write(lambda conn: build_requests.create(
        conn, instance_uuid=uuid, project_id=DEMO_PROJECT, user_id="demo-user",
        instance=instance, spec={"project_id": DEMO_PROJECT}, tags=[]))
    try:
        code, body = _put(cloud, uuid, {"name": "still-queued", "description": "soon",
                                        "accessIPv4": "10.0.0.9"})
        assert code == 200, body
        answer = body["server"]
        assert answer["status"] == "BUILD" and answer["name"] == "still-queued"
        shown = cloud.demo.get(f"/servers/{uuid}")[1]["server"]
        assert (shown["name"], shown["description"], shown["accessIPv4"]) == (
            "still-queued", "soon", "10.0.0.9")
        listed = cloud.demo.get("/servers/detail?name=still")[1]["servers"]
        assert [s["id"] for s in listed] == [uuid]
    finally:
        assert cloud.demo.delete(f"/servers/{uuid}")[0] == 204
