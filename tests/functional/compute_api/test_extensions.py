"""GET /extensions[/{alias}] through real HTTP on an embedded cloud, plus
``openstack extension list --compute``."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
FIELDS = {"alias", "name", "namespace", "description", "links", "updated"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("extensions") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def test_list(cloud):
    for api in (cloud.demo, cloud.admin):
        code, body = api.get("/extensions")
        assert code == 200, body
        extensions = body["extensions"]
        assert all(set(e) == FIELDS and e["links"] == [] for e in extensions)
        aliases = [e["alias"] for e in extensions]
        assert len(aliases) == len(set(aliases))
        # What nubes serves is listed; what it does not serve is not.
        assert {"os-hosts", "os-migrations", "os-simple-tenant-usage", "os-keypairs",
                "os-aggregates", "os-hypervisors", "images"} <= set(aliases)
        assert not {"os-floating-ips", "os-cloudpipe", "os-networks"} & set(aliases)
        assert all(e["updated"].endswith("Z") for e in extensions)


def test_show(cloud):
    code, body = cloud.demo.get("/extensions/os-hosts")
    assert code == 200, body
    assert body["extension"]["alias"] == "os-hosts" and set(body["extension"]) == FIELDS
    listed = {e["alias"]: e for e in cloud.demo.get("/extensions")[1]["extensions"]}
    assert body["extension"] == listed["os-hosts"]


@pytest.mark.parametrize("alias", ["os-cloudpipe", "OS-HOSTS", "nothing", "x" * 300])
def test_unknown_alias(cloud, alias):
    code, body = cloud.demo.get(f"/extensions/{alias}")
    assert code == 404 and body["itemNotFound"]["code"] == 404


def test_with_project_in_url(cloud):
    code, body = cloud.demo.get("/demo-project/extensions/os-keypairs")
    assert code == 200 and body["extension"]["name"] == "Keypairs"


def test_openstack_extension_list(cloud):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml
    out = subprocess.run([OPENSTACK, "--os-cloud", "nubes-demo", "extension", "list",
                          "--compute", "-f", "json"], env=env, capture_output=True,
                         text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert "os-simple-tenant-usage" in {r["Alias"] for r in rows}
    # (``extension show`` looks in the network API too, which nubes does not serve.)
