"""POST /servers through real HTTP on a whole embedded cloud (compute API,
placement, image API, scheduler, super-conductor, cell conductors and fake
hosts in two cells on memory:// buses): create -> ACTIVE, list, delete,
multi-create, no room -> ERROR in cell0, quota, bad input -> 400 with
nothing written, and the real ``openstack`` CLI."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from nubes.cells.api_db import models as api_models
from tests.fixtures.cloud import DEMO_PROJECT, ServersCloud, server_body

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("servers") / "state"),
                         overrides={"quota": {"instances": 12, "cores": -1, "ram": -1}})
    yield cloud
    cloud.stop()


@pytest.fixture
def image(cloud):
    return cloud.image_id()


_server = server_body


def _api_rows(cloud) -> int:
    return cloud.count_rows(api_models.build_requests, api_models.request_specs,
                            api_models.instance_mappings)


def _delete_all(cloud, api, ids):
    for sid in ids:
        assert api.delete(f"/servers/{sid}")[0] == 204
    for sid in ids:
        cloud.wait_gone(api, sid)


def test_create_active_list_delete(cloud, image):
    code, body = cloud.demo.post("/servers", _server(image, metadata={"k": "v"},
                                                      description="d", tags=["t1"]))
    assert code == 202, body
    request_id = cloud.demo.last_headers["x-openstack-request-id"]
    server = body["server"]
    assert set(server) == {"id", "links", "OS-DCF:diskConfig", "security_groups",
                           "adminPass"}
    assert server["OS-DCF:diskConfig"] == "MANUAL"
    sid = server["id"]
    shown = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    assert shown["name"] == "s1" and shown["description"] == "d"
    assert shown["tags"] == ["t1"] and shown["metadata"] == {"k": "v"}
    assert shown["image"]["id"] == image
    assert shown["flavor"]["original_name"] == "m1.tiny"
    assert shown["tenant_id"] == DEMO_PROJECT
    listed = cloud.demo.get("/servers")[1]["servers"]
    assert [s["id"] for s in listed] == [sid]
    actions = cloud.demo.get(f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]
    assert [(a["action"], a["request_id"]) for a in actions] == [("create", request_id)]
    usages = cloud.provider_usages()
    assert sum(u.get("VCPU", 0) for u in usages.values()) == 1
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
    assert cloud.demo.get("/servers")[1]["servers"] == []
    cloud.wait_no_usage()


def test_a_create_below_2_46_answers_with_the_request_id(cloud, image):
    """openstackclient reads x-openstack-request-id after a create at any
    microversion; without it the client fails and the server leaks."""
    code, body = cloud.demo.post("/servers", _server(image, name="rid"), version="2.37")
    assert code == 202, body
    headers = cloud.demo.last_headers
    assert headers["x-openstack-request-id"].startswith("req-")
    assert headers["x-openstack-request-id"] == headers["x-compute-request-id"]
    _delete_all(cloud, cloud.demo, [body["server"]["id"]])


def test_multi_create_names_and_reservation(cloud, image):
    code, body = cloud.demo.post("/servers", _server(image, name="m", min_count=2,
                                                      max_count=3,
                                                      return_reservation_id=True))
    assert code == 202, body
    assert set(body) == {"reservation_id"} and body["reservation_id"].startswith("r-")
    found = cloud.admin.get(f"/servers/detail?all_tenants=1&reservation_id="
                            f"{body['reservation_id']}")[1]["servers"]
    assert sorted(s["name"] for s in found) == ["m-1", "m-2", "m-3"]
    ids = [s["id"] for s in found]
    for sid in ids:
        shown = cloud.wait_status(cloud.admin, sid, "ACTIVE")
        assert shown["OS-EXT-SRV-ATTR:reservation_id"] == body["reservation_id"]
    assert sorted(cloud.admin.get(f"/servers/{i}")[1]["server"]["OS-EXT-SRV-ATTR:launch_index"]
                  for i in ids) == [0, 1, 2]
    _delete_all(cloud, cloud.demo, ids)
    cloud.wait_no_usage()


def test_quota_shrinks_to_what_fits_or_refuses(cloud, image):
    # [quota] instances = 12 for this module.
    code, body = cloud.demo.post("/servers", _server(image, name="q", min_count=13,
                                                      max_count=13))
    assert code == 403 and "Quota exceeded for instances" in body["forbidden"]["message"]
    before = _api_rows(cloud)
    code, body = cloud.demo.post("/servers", _server(image, name="q", min_count=1,
                                                      max_count=20,
                                                      return_reservation_id=True))
    assert code == 202
    found = cloud.demo.get(f"/servers?reservation_id={body['reservation_id']}")[1]["servers"]
    assert len(found) == 12
    assert _api_rows(cloud) > before
    _delete_all(cloud, cloud.demo, [s["id"] for s in found])
    cloud.wait_no_usage()


def test_no_room_is_error_in_cell0_with_a_fault(cloud, image):
    code, body = cloud.admin.post("/flavors", {"flavor": {
        "name": "huge", "ram": 512, "vcpus": 4096, "disk": 1, "id": "huge"}})
    assert code == 200, body
    code, body = cloud.demo.post("/servers", _server(image, flavorRef="huge"))
    assert code == 202, body
    sid = body["server"]["id"]
    shown = cloud.wait_status(cloud.demo, sid, "ERROR")
    assert "No valid host" in shown["fault"]["message"]
    admin_view = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert admin_view["OS-EXT-SRV-ATTR:host"] is None
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
    cloud.wait_no_usage()


def test_private_flavor_not_visible_is_400(cloud, image):
    code, _ = cloud.admin.post("/flavors", {"flavor": {
        "name": "private", "ram": 256, "vcpus": 1, "disk": 1, "id": "priv",
        "os-flavor-access:is_public": False}})
    assert code == 200
    code, body = cloud.demo.post("/servers", _server(image, flavorRef="priv"))
    assert code == 400 and "Flavor priv could not be found" in body["badRequest"]["message"]


def test_forced_host_needs_admin_and_lands_there(cloud, image):
    code, body = cloud.demo.post("/servers", _server(image, availability_zone="nova:cell2-compute2"))
    assert code == 403, body
    code, body = cloud.admin.post("/servers", _server(image, availability_zone="nova:cell2-compute2"))
    assert code == 202, body
    sid = body["server"]["id"]
    shown = cloud.wait_status(cloud.admin, sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == "cell2-compute2"
    _delete_all(cloud, cloud.admin, [sid])


def test_server_group_anti_affinity(cloud, image):
    code, body = cloud.demo.post("/os-server-groups", {"server_group": {
        "name": "g", "policy": "anti-affinity"}})
    assert code == 200, body
    group = body["server_group"]["id"]
    ids = []
    for _ in range(2):
        code, body = cloud.demo.post("/servers", {**_server(image),
                                                 "os:scheduler_hints": {"group": group}})
        assert code == 202, body
        ids.append(body["server"]["id"])
        cloud.wait_status(cloud.demo, ids[-1], "ACTIVE")
    hosts = {cloud.admin.get(f"/servers/{i}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
             for i in ids}
    assert len(hosts) == 2
    members = cloud.demo.get(f"/os-server-groups/{group}")[1]["server_group"]["members"]
    assert sorted(members) == sorted(ids)
    _delete_all(cloud, cloud.demo, ids)


def test_keypair_user_data_hostname(cloud, image):
    code, _ = cloud.demo.post("/os-keypairs", {"keypair": {"name": "k1"}},
                              version="2.91")
    assert code in (200, 201)
    data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    code, body = cloud.demo.post("/servers", _server(image, key_name="k1", user_data=data,
                                                      hostname="my-host"))
    assert code == 202, body
    sid = body["server"]["id"]
    shown = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    assert shown["key_name"] == "k1" and shown["OS-EXT-SRV-ATTR:hostname"] == "my-host"
    _delete_all(cloud, cloud.demo, [sid])


BAD_BODIES = [
    ("no name", lambda i: {"server": {"imageRef": i, "flavorRef": "1", "networks": "none"}}),
    ("blank name", lambda i: _server(i, name=" x")),
    ("name too long", lambda i: _server(i, name="x" * 256)),
    ("unknown image", lambda i: _server("6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1")),
    ("image not a uuid", lambda i: _server("cirros")),
    ("no image", lambda i: _server("")),
    ("unknown flavor", lambda i: _server(i, flavorRef="nope")),
    ("no flavor", lambda i: {"server": {"name": "s", "imageRef": i, "networks": "none"}}),
    ("networks missing", lambda i: {"server": {"name": "s", "imageRef": i,
                                               "flavorRef": "1"}}),
    ("networks bad", lambda i: _server(i, networks="some")),
    ("networks list", lambda i: _server(
        i, networks=[{"uuid": "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"}])),
    ("min_count 0", lambda i: _server(i, min_count=0)),
    ("min > max", lambda i: _server(i, min_count=3, max_count=2)),
    ("max_count text", lambda i: _server(i, max_count="many")),
    ("return_reservation_id", lambda i: _server(i, return_reservation_id="maybe")),
    ("availability_zone", lambda i: _server(i, availability_zone="")),
    ("key_name unknown", lambda i: _server(i, key_name="nokey")),
    ("metadata value", lambda i: _server(i, metadata={"k": 1})),
    ("metadata long", lambda i: _server(i, metadata={"k": "v" * 256})),
    ("user_data", lambda i: _server(i, user_data="not base64!")),
    ("description", lambda i: _server(i, description="d" * 256)),
    ("tags", lambda i: _server(i, tags=["a/b"])),
    ("too many tags", lambda i: _server(i, tags=[f"t{n}" for n in range(51)])),
    ("hostname", lambda i: _server(i, hostname="bad_host!")),
    ("hostname multi", lambda i: _server(i, hostname="h", max_count=2)),
    ("group not uuid", lambda i: {**_server(i), "os:scheduler_hints": {"group": "g"}}),
    ("group unknown", lambda i: {**_server(i), "os:scheduler_hints": {
        "group": "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"}}),
    ("unknown field", lambda i: _server(i, color="red")),
    ("boot from volume", lambda i: _server(i, block_device_mapping_v2=[{
        "boot_index": 0, "uuid": "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1",
        "source_type": "volume", "destination_type": "volume"}])),
    ("diskConfig", lambda i: _server(i, **{"OS-DCF:diskConfig": "SOMETIMES"})),
    ("no server", lambda i: {"name": "s"}),
]


@pytest.mark.parametrize("what,make", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_is_400_and_writes_nothing(cloud, image, what, make):
    before = _api_rows(cloud)
    code, body = cloud.demo.post("/servers", make(image))
    assert code == 400, (what, body)
    assert "badRequest" in body
    assert _api_rows(cloud) == before


def test_microversion_windows(cloud, image):
    # networks is optional before 2.37, description unknown before 2.19,
    # tags before 2.52, hostname before 2.90.
    body = {"server": {"name": "old", "imageRef": image, "flavorRef": "1"}}
    code, created = cloud.demo.post("/servers", body, version="2.36")
    assert code == 202, created
    for version, field, value in (("2.18", "description", "d"), ("2.51", "tags", ["t"]),
                                  ("2.89", "hostname", "h")):
        code, _ = cloud.demo.post("/servers", _server(image, **{field: value}),
                                  version=version)
        assert code == 400, (version, field)
    sid = created["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    _delete_all(cloud, cloud.demo, [sid])


def test_openstack_cli_create_list_delete(cloud):
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes", *args], env=env,
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, (args, out.stderr)
        return json.loads(out.stdout) if "json" in args else out.stdout

    created = []
    for name in ("s1", "s2", "s3", "s4"):
        server = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                     "--nic", "none", name, "--wait", "-f", "json")
        assert server["status"] == "ACTIVE", server
        created.append(server["id"])
    listed = run("server", "list", "--long", "-f", "json")
    assert sorted(s["ID"] for s in listed) == sorted(created)
    # One list across both cells, sorted newest first (the default sort).
    assert [s["Name"] for s in listed] == ["s4", "s3", "s2", "s1"]
    hosts = {s["Host"] for s in listed}
    assert {h.split("-")[0] for h in hosts} == {"cell1", "cell2"}, hosts
    run("server", "delete", "--wait", *created)
    assert run("server", "list", "-f", "json") == []
    usages = cloud.wait_no_usage()
    assert len(usages) == 4
