"""The real ``openstack`` CLI against the embedded cloud's image API: a
member creates an image from a file, saves it back, sets a property and
deletes it; the data lives in ``images/`` of the state directory."""
from __future__ import annotations

import hashlib
import json
import os

import pytest

from nubes.embedded.cloud import EmbeddedCloud, Options
from nubes.embedded.defaults import IMAGE_DATA
from tests.functional.embedded.test_up import _ports, openstack

pytestmark = pytest.mark.slow


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result


def test_image_data_with_the_cli(tmp_path):
    state_dir = str(tmp_path / "state")
    cloud = EmbeddedCloud(Options(state_dir=state_dir, cells=1, hosts_per_cell=0,
                                  ports=_ports()), say=lambda _line: None)
    cloud.start()
    datadir = os.path.join(state_dir, "images")
    try:
        # The seeded image has data in the store of the state directory.
        cirros = _json(openstack(state_dir, "image", "show", "cirros", "-f", "json"))
        _ok(openstack(state_dir, "image", "save", "--file", str(tmp_path / "cirros.img"),
                      "cirros", cloud="nubes-demo"))
        assert (tmp_path / "cirros.img").read_bytes() == IMAGE_DATA
        assert cirros["checksum"] == hashlib.md5(IMAGE_DATA).hexdigest()

        disk = tmp_path / "disk.raw"
        data = hashlib.shake_256(b"disk").digest(3 * 1024 * 1024 + 17)
        disk.write_bytes(data)
        made = _json(openstack(state_dir, "image", "create", "--file", str(disk),
                               "--disk-format", "raw", "--container-format", "bare",
                               "--private", "mydisk", "-f", "json", cloud="nubes-demo"))
        assert (made["status"], made["size"], made["visibility"]) == (
            "active", len(data), "private")
        assert made["checksum"] == hashlib.md5(data).hexdigest()
        with open(os.path.join(datadir, made["id"]), "rb") as f:
            assert f.read() == data

        out = tmp_path / "out.raw"
        _ok(openstack(state_dir, "image", "save", "--file", str(out), "mydisk",
                      cloud="nubes-demo"))
        assert out.read_bytes() == data

        _ok(openstack(state_dir, "image", "set", "--property", "os_distro=debian",
                      "--property", "hw_disk_bus=virtio", "mydisk", cloud="nubes-demo"))
        shown = _json(openstack(state_dir, "image", "show", "mydisk", "-f", "json",
                                cloud="nubes-demo"))
        assert shown["properties"]["os_distro"] == "debian"
        assert shown["properties"]["hw_disk_bus"] == "virtio"
        assert "locations" not in shown["properties"]

        public = openstack(state_dir, "image", "create", "--public", "--disk-format", "raw",
                           "--container-format", "bare", "nope", cloud="nubes-demo")
        assert public.returncode != 0 and "403" in public.stderr + public.stdout

        _ok(openstack(state_dir, "image", "delete", "mydisk", cloud="nubes-demo"))
        names = [i["Name"] for i in _json(openstack(state_dir, "image", "list", "-f",
                                                    "json"))]
        assert "mydisk" not in names
        assert not os.path.exists(os.path.join(datadir, made["id"]))
    finally:
        cloud.stop()
