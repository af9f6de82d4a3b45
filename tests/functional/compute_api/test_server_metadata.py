"""/servers/{id}/metadata[/{key}], /servers/{id}/ips[/{label}] and
/servers/{id}/os-server-password through real HTTP on a whole embedded
cloud: every verb, the ``metadata_items`` quota (the rule create uses),
bad input, the states (building, error, a task running, locked) that
refuse changes, other projects' servers."""
from __future__ import annotations

import concurrent.futures
import datetime

import pytest
import sqlalchemy as sa

from nubes.api.compute.service import server_password
from nubes.cells.cell_db import models as cell_models
from nubes.cells.repo import build_requests
from tests.fixtures.cloud import DEMO_PROJECT, Api, ServersCloud, server_body

pytestmark = pytest.mark.slow
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"
LIMIT = 4


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("metadata") / "state"),
                         cells=1, hosts_per_cell=1,
                         overrides={"quota": {"metadata_items": LIMIT}})
    yield cloud
    cloud.stop()


def _boot(cloud, api, name="m1", **kw) -> str:
    code, body = api.post("/servers", server_body(cloud.image_id(), name=name, **kw))
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(api, sid, "ACTIVE")
    return sid


@pytest.fixture
def server(cloud):
    sid = _boot(cloud, cloud.demo, metadata={"boot": "yes"})
    yield sid
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)


def _cell_db(cloud):
    return cloud.embedded.databases.get(cloud.embedded.layout.cell_database("cell1"))


def _set_instance(cloud, sid, **values):
    inst = cell_models.instances
    _cell_db(cloud).write(lambda conn: conn.execute(
        sa.update(inst).where(inst.c.uuid == sid).values(**values)))


def _meta(cloud, sid, api=None):
    return (api or cloud.demo).get(f"/servers/{sid}/metadata")


def test_every_verb(cloud, server):
    base = f"/servers/{server}/metadata"
    demo = cloud.demo
    assert _meta(cloud, server) == (200, {"metadata": {"boot": "yes"}})
    code, body = demo.post(base, {"metadata": {"a": "1", "boot": "again"}})
    assert (code, body) == (200, {"metadata": {"boot": "again", "a": "1"}})
    assert _meta(cloud, server)[1] == {"metadata": {"boot": "again", "a": "1"}}
    code, body = demo.request("PUT", base, {"metadata": {"x": "9", "a": "2"}})
    assert (code, body) == (200, {"metadata": {"x": "9", "a": "2"}})
    assert _meta(cloud, server)[1]["metadata"] == {"x": "9", "a": "2"}
    assert demo.get(f"{base}/x") == (200, {"meta": {"x": "9"}})
    code, body = demo.request("PUT", f"{base}/new key", {"meta": {"new key": "v:1"}})
    assert (code, body) == (200, {"meta": {"new key": "v:1"}})
    code, body = demo.request("PUT", f"{base}/x", {"meta": {"x": ""}})
    assert (code, body) == (200, {"meta": {"x": ""}})
    assert demo.delete(f"{base}/a")[0] == 204
    code, body = demo.get(f"{base}/a")
    assert code == 404 and body["itemNotFound"]["message"] == "Metadata item was not found"
    assert demo.delete(f"{base}/a")[0] == 404
    # The server view reads the same rows.
    shown = demo.get(f"/servers/{server}")[1]["server"]
    assert shown["metadata"] == {"x": "", "new key": "v:1"}
    detail = demo.get("/servers/detail")[1]["servers"]
    assert next(s for s in detail if s["id"] == server)["metadata"] == shown["metadata"]
    # Replacing with nothing empties it.
    assert demo.request("PUT", base, {"metadata": {}}) == (200, {"metadata": {}})
    assert _meta(cloud, server)[1] == {"metadata": {}}


@pytest.mark.parametrize("method,suffix,body", [
    ("PUT", "/k", {"meta": {"other": "v"}}),              # URI and body differ
    ("PUT", "/k", {"meta": {"k": "v", "l": "w"}}),        # more than one item
    ("PUT", "/k", {"meta": {}}),
    ("PUT", "/k", {"meta": {"k": 1}}),                   # not a string
    ("PUT", "/k", {"meta": {"k": None}}),
    ("PUT", "/k", {"metadata": {"k": "v"}}),
    ("PUT", "/k", None),
    ("POST", "", {"metadata": {"": "v"}}),                # empty key
    ("POST", "", {"metadata": {"k" * 256: "v"}}),
    ("POST", "", {"metadata": {"k": "v" * 256}}),
    ("POST", "", {"metadata": {"a/b": "v"}}),
    ("POST", "", {"metadata": ["k", "v"]}),
    ("POST", "", {"metadata": "k=v"}),
    ("POST", "", {"meta": {"k": "v"}}),
    ("POST", "", {"metadata": {"k": "v"}, "other": 1}),
    ("PUT", "", {"metadata": {"k": {"nested": "v"}}}),
    ("PUT", "", {}),
])
def test_bad_input_is_400(cloud, server, method, suffix, body):
    code, answer = cloud.demo.request(method, f"/servers/{server}/metadata{suffix}", body)
    assert code == 400 and "badRequest" in answer, (body, answer)
    assert _meta(cloud, server)[1] == {"metadata": {"boot": "yes"}}


def test_metadata_items_quota(cloud, server):
    base = f"/servers/{server}/metadata"
    demo = cloud.demo
    full = {f"k{i}": "v" for i in range(LIMIT)}
    assert demo.request("PUT", base, {"metadata": full})[0] == 200
    code, body = demo.post(base, {"metadata": {"one-more": "v"}})
    assert code == 403
    assert body["forbidden"]["message"].startswith("Quota exceeded for metadata_items")
    code, body = demo.request("PUT", base, {"metadata": {**full, "one-more": "v"}})
    assert code == 403 and "forbidden" in body
    assert demo.request("PUT", f"{base}/one-more", {"meta": {"one-more": "v"}})[0] == 403
    # Overwriting an item keeps the count.
    assert demo.request("PUT", f"{base}/k0", {"meta": {"k0": "w"}})[0] == 200
    assert demo.post(base, {"metadata": {"k1": "w"}})[0] == 200
    assert _meta(cloud, server)[1]["metadata"] == {**full, "k0": "w", "k1": "w"}
    # The same rule on create.
    code, body = demo.post("/servers", server_body(
        cloud.image_id(), metadata={f"c{i}": "v" for i in range(LIMIT + 1)}))
    assert code == 403 and "Quota exceeded for metadata_items" in body["forbidden"]["message"]


def test_concurrent_merges_respect_the_quota(cloud, server):
    # One item is there; LIMIT - 1 of these racing merges fit, the rest are 403.
    base = f"/servers/{server}/metadata"
    apis = [Api(cloud.compute_url, cloud.demo_token) for _ in range(8)]
    with concurrent.futures.ThreadPoolExecutor(len(apis)) as pool:
        codes = list(pool.map(
            lambda n: apis[n].post(base, {"metadata": {f"racer{n}": "v"}})[0],
            range(len(apis))))
    assert sorted(codes) == [200] * (LIMIT - 1) + [403] * (len(apis) - LIMIT + 1), codes
    metadata = _meta(cloud, server)[1]["metadata"]
    assert len(metadata) == LIMIT and metadata["boot"] == "yes"
    assert {k for k in metadata if k != "boot"} == {
        f"racer{n}" for n, code in enumerate(codes) if code == 200}


def test_states_that_refuse_changes(cloud, server):
    base = f"/servers/{server}/metadata"
    demo = cloud.demo
    for values, message in (
            ({"locked": True, "locked_by": "admin"}, f"Instance {server} is locked"),
            ({"task_state": "powering-off"},
             (f"Cannot 'update metadata' instance {server} while it is in task_state "
              "powering-off")),
            ({"vm_state": "error"},
             f"Cannot 'update metadata' instance {server} while it is in vm_state error")):
        _set_instance(cloud, server, **values)
        try:
            code, body = demo.post(base, {"metadata": {"k": "v"}})
            assert (code, body["conflictingRequest"]["message"]) == (409, message)
            assert demo.request("PUT", base, {"metadata": {}})[0] == 409
            assert demo.request("PUT", f"{base}/k", {"meta": {"k": "v"}})[0] == 409
            assert demo.delete(f"{base}/boot")[0] == 409
            # Reading is always allowed.
            assert _meta(cloud, server)[1] == {"metadata": {"boot": "yes"}}
        finally:
            _set_instance(cloud, server, locked=False, locked_by=None, task_state=None,
                          vm_state="active")
    # A locked server: admins may still change it.
    _set_instance(cloud, server, locked=True, locked_by="owner")
    try:
        assert cloud.admin.post(base, {"metadata": {"by": "admin"}})[0] == 200
    finally:
        _set_instance(cloud, server, locked=False, locked_by=None)
    assert _meta(cloud, server)[1] == {"metadata": {"boot": "yes", "by": "admin"}}


def test_server_still_building(cloud):
    uuid = "5d3a4c1e-2f6b-4a7c-9e8d-0a1b2c3d4e5f"
    cloud.api_db.write(lambda conn: build_requests.create(
        conn, instance_uuid=uuid, project_id=DEMO_PROJECT, user_id="demo-user",
        instance={"display_name": "queued", "vm_state": "building",
                  "task_state": "scheduling", "metadata": {"early": "bird"}},
        spec={"project_id": DEMO_PROJECT}, tags=[]))
    try:
        base = f"/servers/{uuid}/metadata"
        assert _meta(cloud, uuid) == (200, {"metadata": {"early": "bird"}})
        assert cloud.demo.get(f"{base}/early") == (200, {"meta": {"early": "bird"}})
        code, body = cloud.demo.post(base, {"metadata": {"k": "v"}})
        assert code == 409
        assert body["conflictingRequest"]["message"] == (
            f"Cannot 'update metadata' instance {uuid} while it is in vm_state building")
        assert cloud.demo.delete(f"{base}/early")[0] == 409
        assert cloud.demo.get(f"/servers/{uuid}/ips") == (200, {"addresses": {}})
        assert cloud.demo.get(f"/servers/{uuid}/os-server-password") == (
            200, {"password": ""})
    finally:
        assert cloud.demo.delete(f"/servers/{uuid}")[0] == 204


def test_other_projects_server_is_404(cloud, server):
    sid = _boot(cloud, cloud.admin, name="admins", metadata={"owner": "admin"})
    try:
        for method, suffix, body in (
                ("GET", "", None), ("POST", "", {"metadata": {"k": "v"}}),
                ("PUT", "", {"metadata": {}}), ("GET", "/owner", None),
                ("PUT", "/owner", {"meta": {"owner": "me"}}), ("DELETE", "/owner", None)):
            code, answer = cloud.demo.request(method, f"/servers/{sid}/metadata{suffix}", body)
            assert code == 404 and "itemNotFound" in answer, (method, suffix)
        for path in ("/ips", "/ips/private", "/os-server-password"):
            assert cloud.demo.get(f"/servers/{sid}{path}")[0] == 404, path
        assert cloud.demo.delete(f"/servers/{sid}/os-server-password")[0] == 404
        assert _meta(cloud, sid, api=cloud.admin)[1] == {"metadata": {"owner": "admin"}}
        assert cloud.demo.get(f"/servers/{MISSING}/metadata")[0] == 404
        # An admin reads and changes the demo project's server.
        assert cloud.admin.post(f"/servers/{server}/metadata",
                                {"metadata": {"admin": "was here"}})[0] == 200
        assert _meta(cloud, server)[1]["metadata"]["admin"] == "was here"
    finally:
        cloud.admin.delete(f"/servers/{sid}")
        cloud.wait_gone(cloud.admin, sid)


def test_ips_and_password(cloud, server):
    demo = cloud.demo
    assert demo.get(f"/servers/{server}/ips") == (200, {"addresses": {}})
    code, body = demo.get(f"/servers/{server}/ips/private")
    assert code == 404 and "itemNotFound" in body
    assert demo.get(f"/servers/{server}/os-server-password") == (200, {"password": ""})
    # A password a guest posted (in chunks of 255, as OpenStack compute keeps it).
    secret = "".join(chr(ord("a") + i % 26) for i in range(600))
    sysmeta = cell_models.instance_system_metadata
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    chunks = server_password.chunks(secret)
    assert list(chunks) == ["password_0", "password_1", "password_2", "password_3"]
    _cell_db(cloud).write(lambda conn: conn.execute(sa.insert(sysmeta), [
        {"instance_uuid": server, "key": key, "value": value, "created_at": now}
        for key, value in chunks.items()]))
    assert demo.get(f"/servers/{server}/os-server-password") == (200, {"password": secret})
    assert demo.delete(f"/servers/{server}/os-server-password") == (204, None)
    assert demo.get(f"/servers/{server}/os-server-password") == (200, {"password": ""})
    assert demo.delete(f"/servers/{server}/os-server-password")[0] == 204
    assert demo.get(f"/servers/{MISSING}/os-server-password")[0] == 404
    assert demo.get(f"/servers/{MISSING}/ips")[0] == 404
