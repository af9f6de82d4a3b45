"""`nubes up` serves the image API in the catalog, seeds the m1 flavors and
a cirros image once, and the real ``openstack`` CLI drives flavors and
images through the catalog."""
from __future__ import annotations

import json
import os

import pytest

from nubes.embedded.cloud import EmbeddedCloud, Options
from tests.functional.embedded.test_up import _ports, openstack

pytestmark = pytest.mark.slow


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_flavors_and_images_with_the_cli(tmp_path):
    state_dir = str(tmp_path / "state")
    cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=1, hosts_per_cell=0,
                                  ports=_ports()), say=lambda _line: None)
    cloud.start()
    try:
        assert cloud.conf.identity.image_endpoint == cloud.urls["image"]
        flavors = _json(openstack(state_dir, "flavor", "list", "-f", "json"))
        assert [(f["Name"], f["RAM"], f["VCPUs"], f["Disk"]) for f in flavors] == [
            ("m1.tiny", 512, 1, 1), ("m1.small", 2048, 1, 20), ("m1.medium", 4096, 2, 40),
            ("m1.large", 8192, 4, 80), ("m1.xlarge", 16384, 8, 160)]
        created = _json(openstack(state_dir, "flavor", "create", "--ram", "256", "--vcpus",
                                  "1", "--disk", "1", "--private", "--property",
                                  "hw:cpu_policy=shared", "--description", "tiny one",
                                  "c1.nano", "-f", "json"))
        assert created["os-flavor-access:is_public"] is False
        shown = _json(openstack(state_dir, "flavor", "show", "c1.nano", "-f", "json"))
        assert shown["properties"] == {"hw:cpu_policy": "shared"}
        assert shown["description"] == "tiny one"
        demo = openstack(state_dir, "flavor", "create", "--ram", "1", "--vcpus", "1",
                         "x", cloud="nubes-demo")
        assert demo.returncode != 0 and "403" in demo.stderr + demo.stdout

        images = _json(openstack(state_dir, "image", "list", "-f", "json"))
        assert [(i["Name"], i["Status"]) for i in images] == [("cirros", "active")]
        image = _json(openstack(state_dir, "image", "show", "cirros", "-f", "json"))
        assert (image["disk_format"], image["container_format"], image["visibility"]) == \
            ("qcow2", "bare", "public")
        made = _json(openstack(state_dir, "image", "create", "--disk-format", "raw",
                               "--container-format", "bare", "--property", "os_distro=x",
                               "empty", "-f", "json"))
        # With stdin not a terminal the CLI uploads it (here: nothing), which
        # an admin may do: the record becomes active with size 0.
        assert (made["status"], made["size"]) == ("active", 0)
        demo_images = _json(openstack(state_dir, "image", "list", "-f", "json",
                                      cloud="nubes-demo"))
        assert [i["Name"] for i in demo_images] == ["cirros"]

        key = tmp_path / "id.pub"
        key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn2bl1bMzLQx0uh4L3cLpkFh7rTVPBz"
                       "8Ke9r2IcJr5Q me@host\n")
        pair = _json(openstack(state_dir, "keypair", "create", "--public-key", str(key), "k1",
                               "-f", "json", cloud="nubes-demo"))
        assert pair["name"] == "k1" and pair["type"] == "ssh"
        group = _json(openstack(state_dir, "server", "group", "create", "--policy",
                                "anti-affinity", "g1", "-f", "json", cloud="nubes-demo"))
        assert group["policy"] == "anti-affinity"
        limits = {row["Name"]: row["Value"] for row in _json(openstack(
            state_dir, "limits", "show", "--absolute", "-f", "json", cloud="nubes-demo"))}
        # The CLI shows the SDK's names for nova's keys.
        assert (limits["instances"], limits["server_groups_used"]) == (10, 1), limits
    finally:
        cloud.stop()

    # A second start keeps what is there and seeds nothing again.
    again = EmbeddedCloud(Options(state_dir=state_dir, cells=1, hosts_per_cell=0,
                                  ports=_ports()), say=lambda _line: None)
    api_db = None
    again.start()
    try:
        names = {f["Name"] for f in _json(openstack(state_dir, "flavor", "list", "--all",
                                                     "-f", "json"))}
        assert "c1.nano" in names and "m1.tiny" in names
        images = _json(openstack(state_dir, "image", "list", "-f", "json"))
        assert sorted(i["Name"] for i in images) == ["cirros", "empty"]
        assert os.path.exists(os.path.join(state_dir, "defaults_seeded"))
    finally:
        again.stop()
    del api_db
