"""The ``openstack`` CLI (python-openstackclient, which negotiates up to our
2.96) driving the compute admin resources of a two-cell deployment."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _openstack() -> str:
    candidate = Path(sys.executable).parent / "openstack"
    found = str(candidate) if candidate.exists() else shutil.which("openstack")
    if found is None:
        pytest.fail("openstack is not installed: run .venv/bin/pip install -e '.[test]'",
                    pytrace=False)
    return found


def test_openstack_cli(cloud, tmp_path):
    d = cloud.deployment
    h1 = d.add_compute_host("cell1", "h1")
    d.add_compute_host("cell2", "h2")
    d.add_service("cell1", "ctl", "nova-conductor")
    cloud.placement.create_provider("h1", uuid=h1["nodes"][0])
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["HOME"] = str(tmp_path)
    base = [_openstack(), "--os-auth-type", "admin_token", "--os-token", "admin",
            "--os-endpoint", cloud.url + "/v2.1"]

    def run(*argv: str):
        out = subprocess.run([*base, *argv], capture_output=True, text=True, env=env,
                             timeout=120)
        assert out.returncode == 0, (argv, out.stderr)
        return json.loads(out.stdout) if "-f" in argv else None

    services = run("compute", "service", "list", "-f", "json")
    assert sorted((s["Host"], s["Binary"], s["Zone"]) for s in services) == [
        ("ctl", "nova-conductor", "internal"), ("h1", "nova-compute", "nova"),
        ("h2", "nova-compute", "nova")]
    assert {s["ID"] for s in services} >= {h1["uuid"]}
    run("compute", "service", "set", "--disable", "--disable-reason", "maint", "h1",
        "nova-compute")
    long = {s["Host"]: s for s in run("compute", "service", "list", "--long", "-f", "json")}
    assert (long["h1"]["Status"], long["h1"]["Disabled Reason"]) == ("disabled", "maint")
    assert [h["Hypervisor Hostname"] for h in run("hypervisor", "list", "-f", "json")] == \
        ["h1", "h2"]
    agg = run("aggregate", "create", "--zone", "az1", "agg1", "-f", "json")
    run("aggregate", "add", "host", "agg1", "h2", "-f", "json")
    run("aggregate", "add", "host", "agg1", "h1", "-f", "json")
    placed = cloud.placement.get(f"/resource_providers/{h1['nodes'][0]}/aggregates").json
    assert placed["aggregates"] == [agg["uuid"]]
    zones = run("availability", "zone", "list", "--compute", "-f", "json")
    # As an admin the CLI reads the detail, which shows the internal zone too.
    assert sorted((z["Zone Name"], z["Zone Status"]) for z in zones) == [
        ("az1", "available"), ("internal", "available")]
