"""The real ``openstack`` CLI against the embedded cloud (its clouds.yaml,
the catalog's compute and volume endpoints): ``server add volume``,
``server volume list``, ``server remove volume``, ``server create
--volume`` and ``--boot-from-volume SIZE``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("volume-cli") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def run(cloud):
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", "nubes-demo", *args], env=env,
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, (args, out.stderr)
        return json.loads(out.stdout) if "json" in args else out.stdout
    return run


def _wait(run, what: tuple, field: str, value, timeout: float = 60.0):
    deadline, shown = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        shown = run(*what, "-f", "json")
        if shown[field] == value:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{what}: {field} did not become {value}: {shown}")


def test_add_list_remove_volume(cloud, run):
    vol = run("volume", "create", "--size", "1", "cli-data", "-f", "json")
    _wait(run, ("volume", "show", vol["id"]), "status", "available")
    server = run("server", "create", "--image", "cirros", "--flavor", "m1.tiny",
                 "--nic", "none", "--wait", "cli-vm", "-f", "json")
    assert server["status"] == "ACTIVE"
    added = run("server", "add", "volume", "--device", "/dev/vdc", "--tag", "logs",
                "cli-vm", "cli-data", "-f", "json")
    assert added["Volume ID"] == vol["id"] and added["Device"] == "/dev/vdc"
    shown = _wait(run, ("volume", "show", vol["id"]), "status", "in-use")
    assert shown["attachments"][0]["server_id"] == server["id"]
    listed = run("server", "volume", "list", "cli-vm", "-f", "json")
    assert [(v["Volume ID"], v["Device"], v["Tag"]) for v in listed] == [
        (vol["id"], "/dev/vdc", "logs")]
    run("server", "remove", "volume", "cli-vm", "cli-data")
    _wait(run, ("volume", "show", vol["id"]), "status", "available")
    assert run("server", "volume", "list", "cli-vm", "-f", "json") == []
    run("server", "delete", "--wait", "cli-vm")
    run("volume", "delete", vol["id"])


def test_create_from_volume_and_boot_from_volume(cloud, run):
    vol = run("volume", "create", "--size", "1", "cli-root", "-f", "json")
    _wait(run, ("volume", "show", vol["id"]), "status", "available")
    server = run("server", "create", "--volume", "cli-root", "--flavor", "m1.tiny",
                 "--nic", "none", "--wait", "cli-bfv", "-f", "json")
    assert server["status"] == "ACTIVE"
    assert vol["id"] in str(server["volumes_attached"])
    _wait(run, ("volume", "show", vol["id"]), "status", "in-use")

    booted = run("server", "create", "--image", "cirros", "--boot-from-volume", "2",
                 "--flavor", "m1.tiny", "--nic", "none", "--wait", "cli-bfv2",
                 "-f", "json")
    assert booted["status"] == "ACTIVE"
    (root,) = run("server", "volume", "list", "cli-bfv2", "-f", "json")
    assert root["Device"] == "/dev/vda"
    assert run("volume", "show", root["Volume ID"], "-f", "json")["size"] == 2

    run("server", "delete", "--wait", "cli-bfv", "cli-bfv2")
    _wait(run, ("volume", "show", vol["id"]), "status", "available")
    run("volume", "delete", vol["id"])
