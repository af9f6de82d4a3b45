"""The real ``openstack`` CLI against the embedded cloud: volume
snapshots, volumes from a snapshot, a volume and an image, and a volume
uploaded to an image."""
from __future__ import annotations

import time

import pytest

from tests.fixtures.cloud import ServersCloud
from tests.functional.volume.cli_helpers import runner, wait

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("volume-sources-cli") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _gone(run, *kind, timeout=60.0):
    deadline = time.monotonic() + timeout
    while run(*kind, "list", "-f", "json") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert run(*kind, "list", "-f", "json") == []


def test_snapshot_commands_and_volumes_from_sources(cloud):
    run = runner(cloud)
    src = run("volume", "create", "--size", "1", "src", "-f", "json")
    wait(run, src["id"], "available")
    snap = run("volume", "snapshot", "create", "--volume", "src", "--description", "d",
               "--property", "k=v", "snap1", "-f", "json")
    shown = wait(run, snap["id"], "available", kind=("volume", "snapshot"))
    assert shown["name"] == "snap1" and shown["volume_id"] == src["id"]
    assert shown["size"] == 1 and shown["properties"] == {"k": "v"}
    listed = run("volume", "snapshot", "list", "-f", "json")
    assert [s["ID"] for s in listed] == [snap["id"]]
    long = run("volume", "snapshot", "list", "--long", "-f", "json")
    assert long[0]["Volume"] in ("src", src["id"])
    from_snap = run("volume", "create", "--snapshot", "snap1", "from-snap", "-f", "json")
    from_snap = wait(run, from_snap["id"], "available")
    assert from_snap["snapshot_id"] == snap["id"] and from_snap["size"] == 1
    clone = run("volume", "create", "--source", "src", "clone", "-f", "json")
    clone = wait(run, clone["id"], "available")
    assert clone["source_volid"] == src["id"]
    from_image = run("volume", "create", "--image", "cirros", "--size", "1", "from-image",
                     "-f", "json")
    from_image = wait(run, from_image["id"], "available")
    assert from_image["bootable"] is True
    assert from_image["volume_image_metadata"]["image_name"] == "cirros"
    # A volume with snapshots is not deleted; its snapshot is.
    run("volume", "snapshot", "delete", "snap1")
    _gone(run, "volume", "snapshot")
    for volume in (src, from_snap, clone, from_image):
        run("volume", "delete", volume["id"])
    _gone(run, "volume")


def test_image_create_from_volume(cloud):
    run = runner(cloud)
    vol = run("volume", "create", "--size", "1", "to-upload", "-f", "json")
    wait(run, vol["id"], "available")
    made = run("image", "create", "--volume", "to-upload", "--disk-format", "qcow2",
               "uploaded", "-f", "json")
    assert made["volume_type"] == "__DEFAULT__"
    image = wait(run, made["image_id"], "active", kind=("image",))
    assert image["name"] == "uploaded" and image["disk_format"] == "qcow2"
    wait(run, vol["id"], "available")
    back = run("volume", "create", "--image", "uploaded", "--size", "1", "back", "-f", "json")
    assert wait(run, back["id"], "available")["bootable"] is True
    run("image", "delete", "uploaded")
    run("volume", "delete", vol["id"], back["id"])
    _gone(run, "volume")
