"""The ``rebuild`` server action through real HTTP on a whole embedded
cloud (one cell, two fake hosts): a new image on the same host with the
same allocations, the fields of each microversion window, bad bodies,
locks and states, images that do not exist, are not active, do not fit or
require traits the host lacks, quotas, a failing driver, the instance
action, and the real ``openstack server rebuild``.

``cell1-compute2`` is disabled (so the demo servers land on
``cell1-compute1``) and its driver fails every rebuild."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
import requests

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"
GOOD_HOST, BAD_HOST = "cell1-compute1", "cell1-compute2"
TRAIT = "CUSTOM_NUBES_REBUILD_TEST"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("rebuild") / "state"),
                         cells=1, hosts_per_cell=2,
                         overrides={"fake_driver": {"fail": [f"rebuild@{BAD_HOST}"]},
                                    "quota": {"metadata_items": 3}})
    _set_service(cloud, BAD_HOST, "disabled")
    yield cloud
    cloud.stop()


def _set_service(cloud, host: str, status: str) -> None:
    code, body = cloud.admin.get(f"/os-services?binary=nova-compute&host={host}",
                                 version="2.53")
    assert code == 200, body
    uuid = body["services"][0]["id"]
    code, body = cloud.admin.put(f"/os-services/{uuid}", {"status": status},
                                 version="2.53")
    assert code == 200, body


def _image_api(cloud, token, method, path, **kw):
    resp = requests.request(method, cloud.embedded.urls["image"] + path,
                            headers={"X-Auth-Token": token, **kw.pop("headers", {})},
                            timeout=30, **kw)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else None


def _new_image(cloud, name: str, *, token=None, upload=True, **fields) -> str:
    """An image made through the image API (active once its bytes are up)."""
    token = token or cloud.demo_token
    image = _image_api(cloud, token, "POST", "/v2/images",
                       json={"name": name, "disk_format": "qcow2",
                             "container_format": "bare", **fields})
    if upload:
        _image_api(cloud, token, "PUT", f"/v2/images/{image['id']}/file",
                   data=b"rebuild me " * 64,
                   headers={"Content-Type": "application/octet-stream"})
        shown = _image_api(cloud, token, "GET", f"/v2/images/{image['id']}")
        assert shown["status"] == "active", shown
    return image["id"]


@pytest.fixture(scope="module")
def images(cloud):
    return {"cirros": cloud.image_id(), "second": _new_image(cloud, "second"),
            "queued": _new_image(cloud, "queued", upload=False),
            "big": _new_image(cloud, "big", min_ram=1_000_000),
            "traits": _new_image(cloud, "traits", **{f"trait:{TRAIT}": "required"})}


@pytest.fixture
def server(cloud):
    code, body = cloud.demo.post("/servers", {"server": {
        "name": "rb", "imageRef": cloud.image_id(), "flavorRef": "1", "networks": "none",
        "metadata": {"old": "1"}}})
    assert code == 202, body
    sid = body["server"]["id"]
    shown = cloud.wait_status(cloud.admin, sid, "ACTIVE")
    assert shown["OS-EXT-SRV-ATTR:host"] == GOOD_HOST
    yield sid
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)


def _rebuild(api, sid, value, version=None):
    return api.post(f"/servers/{sid}/action", {"rebuild": value}, version=version)


def _actions(cloud, sid) -> list[str]:
    return [a["action"] for a in cloud.admin.get(
        f"/servers/{sid}/os-instance-actions")[1]["instanceActions"]]


def _settled(cloud, sid, status="ACTIVE") -> dict:
    shown = cloud.wait_status(cloud.admin, sid, status)
    assert shown["OS-EXT-STS:task_state"] is None
    return shown


# --- the happy path --------------------------------------------------------------------

def test_rebuild_with_a_new_image(cloud, images, server):
    before = _settled(cloud, server)
    allocations = cloud.allocations(server)
    data = base64.b64encode(b"#!/bin/sh\necho rebuilt\n").decode()
    code, body = _rebuild(cloud.demo, server, {
        "imageRef": images["second"], "name": "rebuilt", "adminPass": "s3cret-pass",
        "metadata": {"new": "2"}, "accessIPv4": "10.0.0.9", "accessIPv6": "::babe:1",
        "OS-DCF:diskConfig": "AUTO", "preserve_ephemeral": True, "description": "again",
        "user_data": data, "hostname": "reborn"})
    assert code == 202, body
    answer = body["server"]
    assert answer["status"] == "REBUILD"
    assert answer["OS-EXT-STS:task_state"] == "rebuilding"          # 2.75+: the full view
    assert (answer["id"], answer["name"], answer["adminPass"]) == (server, "rebuilt",
                                                                   "s3cret-pass")
    assert answer["image"]["id"] == images["second"]
    assert answer["metadata"] == {"new": "2"}
    assert (answer["accessIPv4"], answer["accessIPv6"]) == ("10.0.0.9", "::babe:1")
    assert answer["OS-DCF:diskConfig"] == "AUTO" and answer["description"] == "again"
    assert answer["user_data"] == data and answer["OS-EXT-SRV-ATTR:hostname"] == "reborn"
    assert cloud.demo.last_headers["Location"].endswith(f"/servers/{server}")

    shown = _settled(cloud, server)
    assert shown["image"]["id"] == images["second"]
    assert (shown["name"], shown["metadata"], shown["OS-EXT-SRV-ATTR:user_data"]) == (
        "rebuilt", {"new": "2"}, data)
    assert shown["OS-EXT-STS:power_state"] == 1 and shown["OS-EXT-STS:vm_state"] == "active"
    assert shown["OS-EXT-SRV-ATTR:host"] == before["OS-EXT-SRV-ATTR:host"]
    assert shown["OS-SRV-USG:launched_at"] >= before["OS-SRV-USG:launched_at"]
    assert cloud.allocations(server) == allocations
    assert _actions(cloud, server)[:2] == ["rebuild", "create"]
    action = cloud.wait_action_done(server, "rebuild")
    assert [(e["event"], e["result"]) for e in action["events"]] == [
        ("compute_rebuild_instance", "Success")]
    output = cloud.demo.post(f"/servers/{server}/action",
                             {"os-getConsoleOutput": {}})[1]["output"]
    assert f"rebuilt from image {images['second']}" in output
    assert "ephemeral disk preserved" in output


def test_a_stopped_server_stays_stopped(cloud, images, server):
    assert cloud.demo.post(f"/servers/{server}/action", {"os-stop": None})[0] == 202
    _settled(cloud, server, "SHUTOFF")
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]})
    assert code == 202 and body["server"]["status"] == "REBUILD", body
    shown = _settled(cloud, server, "SHUTOFF")
    assert (shown["OS-EXT-STS:vm_state"], shown["OS-EXT-STS:power_state"]) == ("stopped", 4)
    assert cloud.wait_action_done(server, "rebuild")["events"][0]["result"] == "Success"


# --- microversions -----------------------------------------------------------------------

def test_fields_by_microversion(cloud, images, server):
    code, _ = cloud.demo.post("/os-keypairs", {"keypair": {"name": "rbk"}}, version="2.91")
    assert code in (200, 201)
    data = base64.b64encode(b"hello").decode()
    cirros = images["cirros"]
    windows = [("description", "d", "2.19"), ("key_name", "rbk", "2.54"),
               ("user_data", data, "2.57"), ("hostname", "h1", "2.90"),
               ("trusted_image_certificates", None, "2.63")]
    for field, value, since in windows:
        major, minor = since.split(".")
        before = f"{major}.{int(minor) - 1}"
        code, body = _rebuild(cloud.demo, server, {"imageRef": cirros, field: value},
                              version=before)
        assert code == 400 and field in body["badRequest"]["message"], (field, body)
        code, body = _rebuild(cloud.demo, server, {"imageRef": cirros, field: value},
                              version=since)
        assert code == 202, (field, body)
        _settled(cloud, server)
    shown = cloud.admin.get(f"/servers/{server}", version="2.90")[1]["server"]
    assert (shown["description"], shown["key_name"], shown["OS-EXT-SRV-ATTR:user_data"],
            shown["OS-EXT-SRV-ATTR:hostname"]) == ("d", "rbk", data, "h1")
    # Null unsets the key (2.54) and the user data (2.57).
    code, body = _rebuild(cloud.demo, server, {"imageRef": cirros, "key_name": None,
                                               "user_data": None}, version="2.57")
    assert code == 202 and body["server"]["key_name"] is None, body
    assert body["server"]["user_data"] is None
    _settled(cloud, server)
    code, body = _rebuild(cloud.demo, server, {"imageRef": cirros, "key_name": "nokey"},
                          version="2.54")
    assert code == 400 and "key_name" in body["badRequest"]["message"]
    # Personality: files before 2.57, gone from 2.57.
    files = [{"path": "/etc/motd", "contents": base64.b64encode(b"hi").decode()}]
    assert _rebuild(cloud.demo, server, {"imageRef": cirros, "personality": files},
                    version="2.57")[0] == 400
    assert _rebuild(cloud.demo, server, {"imageRef": cirros, "personality": files},
                    version="2.56")[0] == 202
    _settled(cloud, server)


def test_the_answer_before_2_75_is_the_smaller_view(cloud, images, server):
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]},
                          version="2.74")
    assert code == 202, body
    answer = body["server"]
    assert "OS-EXT-STS:vm_state" not in answer and "security_groups" not in answer
    assert answer["status"] == "REBUILD" and answer["adminPass"]
    assert answer["key_name"] is None and "user_data" in answer
    assert "locked_reason" in answer and "trusted_image_certificates" in answer
    _settled(cloud, server)
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]},
                          version="2.53")
    assert code == 202 and "key_name" not in body["server"]
    assert "user_data" not in body["server"] and "description" in body["server"]
    _settled(cloud, server)
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]},
                          version="2.1")
    assert code == 202 and "description" not in body["server"]
    assert "locked" not in body["server"]
    _settled(cloud, server)


def test_trusted_certificates_are_refused(cloud, images, server):
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"],
                                               "trusted_image_certificates": ["cert-1"]},
                          version="2.63")
    assert code == 400 and "signatures" in body["badRequest"]["message"], body
    code, _ = _rebuild(cloud.demo, server, {"imageRef": images["cirros"],
                                            "trusted_image_certificates": []},
                       version="2.63")
    assert code == 400


# --- bad input ---------------------------------------------------------------------------

IMAGE = "<the second image>"        # replaced by its id
BAD = [
    ("null", None, None),
    ("no imageRef", {"name": "x"}, None),
    ("imageRef not a uuid", {"imageRef": "cirros"}, None),
    ("imageRef a URL", {"imageRef": f"http://x/images/{MISSING}"}, None),
    ("unknown field", {"imageRef": IMAGE, "color": "red"}, None),
    ("blank name", {"imageRef": IMAGE, "name": " x"}, None),
    ("long name", {"imageRef": IMAGE, "name": "x" * 256}, None),
    ("metadata value", {"imageRef": IMAGE, "metadata": {"k": 1}}, None),
    ("metadata long", {"imageRef": IMAGE, "metadata": {"k": "v" * 256}}, None),
    ("accessIPv4", {"imageRef": IMAGE, "accessIPv4": "not-an-ip"}, None),
    ("accessIPv6", {"imageRef": IMAGE, "accessIPv6": "1.2.3.4"}, None),
    ("diskConfig", {"imageRef": IMAGE, "OS-DCF:diskConfig": "SOMETIMES"}, None),
    ("preserve_ephemeral", {"imageRef": IMAGE, "preserve_ephemeral": "maybe"}, None),
    ("adminPass", {"imageRef": IMAGE, "adminPass": 5}, None),
    ("description long", {"imageRef": IMAGE, "description": "d" * 256}, "2.19"),
    ("key_name empty", {"imageRef": IMAGE, "key_name": ""}, "2.54"),
    ("user_data", {"imageRef": IMAGE, "user_data": "not base64!"}, "2.57"),
    ("hostname", {"imageRef": IMAGE, "hostname": "bad_host!"}, "2.90"),
    ("personality contents", {"imageRef": IMAGE,
                              "personality": [{"path": "/a", "contents": "!!"}]}, "2.56"),
    ("personality shape", {"imageRef": IMAGE, "personality": [{"path": "/a"}]}, "2.56"),
    ("trusted certs type", {"imageRef": IMAGE, "trusted_image_certificates": "cert"},
     "2.63"),
]


@pytest.mark.parametrize("value,version", [(b[1], b[2]) for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_bodies_are_400_and_change_nothing(cloud, images, server, value, version):
    if isinstance(value, dict) and value.get("imageRef") == IMAGE:
        value = {**value, "imageRef": images["second"]}
    code, body = _rebuild(cloud.demo, server, value, version=version)
    assert code == 400 and "badRequest" in body, body
    shown = _settled(cloud, server)
    assert shown["image"]["id"] == images["cirros"] and shown["name"] == "rb"
    assert _actions(cloud, server) == ["create"]


@pytest.mark.parametrize("image,words", [
    ("missing", f"Image {MISSING} could not be found."),
    ("queued", "is not active"),
    ("big", "Flavor's memory is too small for requested image."),
])
def test_images_that_cannot_be_used_are_400(cloud, images, server, image, words):
    ref = MISSING if image == "missing" else images[image]
    code, body = _rebuild(cloud.demo, server, {"imageRef": ref})
    assert code == 400 and words in body["badRequest"]["message"], body
    assert _actions(cloud, server) == ["create"]


def test_quotas_are_403(cloud, images, server):
    items = {f"k{n}": "v" for n in range(4)}                  # metadata_items is 3
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"],
                                               "metadata": items})
    assert code == 403 and "metadata_items" in body["forbidden"]["message"], body
    files = [{"path": f"/f{n}", "contents": "aGk="} for n in range(6)]   # 5 files
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"],
                                               "personality": files}, version="2.56")
    assert code == 403 and "Personality" in body["forbidden"]["message"], body
    assert _actions(cloud, server) == ["create"]


# --- who and when ------------------------------------------------------------------------

def test_unknown_and_other_projects_servers_are_404(cloud, images, server):
    assert _rebuild(cloud.demo, MISSING, {"imageRef": images["cirros"]})[0] == 404
    code, body = cloud.admin.post("/servers", {"server": {
        "name": "theirs", "imageRef": images["cirros"], "flavorRef": "1",
        "networks": "none"}})
    assert code == 202
    theirs = body["server"]["id"]
    try:
        _settled(cloud, theirs)
        assert _rebuild(cloud.demo, theirs, {"imageRef": images["cirros"]})[0] == 404
    finally:
        cloud.admin.delete(f"/servers/{theirs}")
        cloud.wait_gone(cloud.admin, theirs)


def test_locked_is_409_but_for_admins(cloud, images, server):
    assert cloud.admin.post(f"/servers/{server}/action", {"lock": None})[0] == 202
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]})
    assert code == 409 and f"Instance {server} is locked" in \
        body["conflictingRequest"]["message"], body
    code, body = _rebuild(cloud.admin, server, {"imageRef": images["cirros"]})
    assert code == 202, body
    _settled(cloud, server)
    assert cloud.admin.post(f"/servers/{server}/action", {"unlock": None})[0] == 202


def test_wrong_state_is_409(cloud, images, server):
    assert cloud.demo.post(f"/servers/{server}/action", {"pause": None})[0] == 202
    _settled(cloud, server, "PAUSED")
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]})
    assert code == 409, body
    assert "Cannot 'rebuild' instance" in body["conflictingRequest"]["message"]
    assert "vm_state paused" in body["conflictingRequest"]["message"]
    assert cloud.demo.post(f"/servers/{server}/action", {"unpause": None})[0] == 202
    _settled(cloud, server)
    # A rebuild in progress refuses another.
    assert _rebuild(cloud.demo, server, {"imageRef": images["cirros"]})[0] == 202
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["cirros"]})
    if code != 202:     # the first may already have finished
        assert code == 409 and "task_state" in body["conflictingRequest"]["message"]
    _settled(cloud, server)


def test_image_traits_must_be_on_the_host(cloud, images, server):
    code, body = _rebuild(cloud.demo, server, {"imageRef": images["traits"]})
    assert code == 400, body
    message = body["badRequest"]["message"]
    assert f"Image {images['traits']} is unacceptable" in message and TRAIT in message
    assert _actions(cloud, server) == ["create"]
    node = cloud.admin.get(f"/servers/{server}")[1]["server"]["OS-EXT-SRV-ATTR:host"]
    provider = next(p["uuid"] for p in cloud.placement.request(
        "GET", "/resource_providers", version="1.14").json()["resource_providers"]
        if p["name"] == node)
    cloud.placement.ensure_trait(TRAIT)
    had = cloud.placement.get_traits(provider)
    cloud.placement.set_traits(provider, had.traits | {TRAIT}, had.generation)
    try:
        assert _rebuild(cloud.demo, server, {"imageRef": images["traits"]})[0] == 202
        shown = _settled(cloud, server)
        assert shown["image"]["id"] == images["traits"]
    finally:
        now = cloud.placement.get_traits(provider)
        cloud.placement.set_traits(provider, now.traits - {TRAIT}, now.generation)
    # The same image again is no new image: its traits are not asked for.
    assert _rebuild(cloud.demo, server, {"imageRef": images["traits"]})[0] == 202
    _settled(cloud, server)


def test_a_failing_driver_leaves_the_server_in_error(cloud, images):
    _set_service(cloud, BAD_HOST, "enabled")
    try:
        code, body = cloud.admin.post("/servers", {"server": {
            "name": "doomed", "imageRef": images["cirros"], "flavorRef": "1",
            "networks": "none", "availability_zone": f"nova:{BAD_HOST}"}})
        assert code == 202, body
        sid = body["server"]["id"]
        assert _settled(cloud, sid)["OS-EXT-SRV-ATTR:host"] == BAD_HOST
    finally:
        _set_service(cloud, BAD_HOST, "disabled")
    allocations = cloud.allocations(sid)
    assert _rebuild(cloud.admin, sid, {"imageRef": images["second"]})[0] == 202
    shown = _settled(cloud, sid, "ERROR")
    assert "injected failure of rebuild" in shown["fault"]["message"]
    event = cloud.wait_action_done(sid, "rebuild")["events"][0]
    assert (event["event"], event["result"]) == ("compute_rebuild_instance", "Error")
    assert cloud.allocations(sid) == allocations
    # ERROR is a state a rebuild may start from (it fails here again).
    assert _rebuild(cloud.admin, sid, {"imageRef": images["cirros"]})[0] == 202
    _settled(cloud, sid, "ERROR")
    cloud.admin.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.admin, sid)


# --- the openstack CLI -------------------------------------------------------------------

def test_openstack_server_rebuild(cloud):
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing"
    public = _new_image(cloud, "rebuild-cli", token=cloud.admin_token, visibility="public")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes", *args], env=env,
                             capture_output=True, text=True, timeout=180, check=False)
        assert out.returncode == 0, (args, out.stderr)
        if "json" not in args:
            return out.stdout
        # With --wait, "Complete" comes first (the rebuild's answer follows it).
        return json.loads(out.stdout[out.stdout.index("{"):])

    server = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                 "--nic", "none", "cli-rb", "--wait", "-f", "json")
    try:
        rebuilt = run("server", "rebuild", "--image", "rebuild-cli", "--name", "cli-rb2",
                      "--wait", server["id"], "-f", "json")
        assert rebuilt["name"] == "cli-rb2", rebuilt
        shown = run("server", "show", server["id"], "-f", "json")
        assert shown["status"] == "ACTIVE" and shown["name"] == "cli-rb2"
        assert public in json.dumps(shown["image"])
    finally:
        run("server", "delete", "--wait", server["id"])
