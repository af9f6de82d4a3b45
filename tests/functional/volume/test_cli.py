"""The real ``openstack`` CLI against the embedded cloud's volume API
(``nubes up`` wiring: the block-storage / volumev3 catalog entries, the
volume port): volumes, types and attachments."""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import ServersCloud, server_body
from tests.functional.volume.cli_helpers import runner, wait

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("volume-cli") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


_runner = runner


def _wait(run, volume_id, status, timeout=30.0):
    return wait(run, volume_id, status, timeout)


def test_embedded_cloud_serves_the_volume_api(cloud):
    base = cloud.embedded.urls["volume"]
    versions = requests.get(base + "/", timeout=10)
    assert versions.status_code == 300
    assert versions.json()["versions"][0]["version"] == "3.71"
    resp = requests.get(f"{base}/v3/demo-project/volumes",
                        headers={"X-Auth-Token": cloud.demo_token}, timeout=10)
    assert resp.status_code == 200 and resp.json() == {"volumes": []}
    assert cloud.conf.identity.volume_endpoint == base + "/v3/%(project_id)s"


def test_volume_commands(cloud):
    run = _runner(cloud)
    created = run("volume", "create", "--size", "1", "--property", "k=v", "cli-vol",
                  "-f", "json")
    vid = created["id"]
    shown = _wait(run, vid, "available")
    assert shown["name"] == "cli-vol" and shown["size"] == 1
    assert [v["ID"] for v in run("volume", "list", "-f", "json")] == [vid]
    run("volume", "set", "--name", "cli-renamed", "--description", "d", "--property",
        "color=blue", vid)
    shown = run("volume", "show", vid, "-f", "json")
    assert shown["name"] == "cli-renamed" and shown["description"] == "d"
    assert shown["properties"] == {"k": "v", "color": "blue"}
    run("volume", "set", "--size", "2", vid)
    assert _wait(run, vid, "available")["size"] == 2
    run("volume", "delete", vid)
    deadline = time.monotonic() + 30
    while run("volume", "list", "-f", "json") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run("volume", "list", "-f", "json") == []


def test_volume_type_commands(cloud):
    run = _runner(cloud)
    names = [t["Name"] for t in run("volume", "type", "list", "-f", "json")]
    assert "__DEFAULT__" in names
    created = run("volume", "type", "create", "--property", "multiattach=<is> True",
                  "cli-multi", "-f", "json")
    assert created["name"] == "cli-multi"
    listed = run("volume", "type", "list", "--long", "-f", "json")
    (mine,) = [t for t in listed if t["Name"] == "cli-multi"]
    assert "multiattach" in str(mine["Properties"])
    vol = run("volume", "create", "--size", "1", "--type", "cli-multi", "multi", "-f", "json")
    assert _wait(run, vol["id"], "available")["multiattach"] is True
    run("volume", "delete", vol["id"])


def test_volume_attachment_commands(cloud):
    run = _runner(cloud)
    vol = run("volume", "create", "--size", "1", "attach-me", "-f", "json")
    _wait(run, vol["id"], "available")
    # The CLI looks the server up in compute: a real one.
    code, body = cloud.admin.post("/servers", server_body(cloud.image_id(), name="cli-s"))
    assert code == 202, body
    server = body["server"]["id"]
    cloud.wait_status(cloud.admin, server, "ACTIVE")
    v344 = ("--os-volume-api-version", "3.44")
    att = run(*v344, "volume", "attachment", "create", vol["id"], server, "-f", "json")
    assert att["Status"] == "reserved" and att["Volume ID"] == vol["id"]
    assert _wait(run, vol["id"], "reserved")
    listed = run(*v344, "volume", "attachment", "list", "-f", "json")
    assert [a["ID"] for a in listed] == [att["ID"]]
    run(*v344, "volume", "attachment", "complete", att["ID"])
    shown = _wait(run, vol["id"], "in-use")
    assert shown["attachments"][0]["server_id"] == server
    run(*v344, "volume", "attachment", "delete", att["ID"])
    _wait(run, vol["id"], "available")
    run("volume", "delete", vol["id"])
