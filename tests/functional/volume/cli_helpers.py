"""Running the real ``openstack`` CLI against an embedded cloud."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


def runner(cloud, name="nubes"):
    """``run(*args)``: the CLI's output (parsed when ``-f json``); a
    failing command fails the test with its stderr."""
    assert os.path.exists(OPENSTACK), "the openstack CLI is missing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = cloud.clouds_yaml

    def run(*args):
        out = subprocess.run([OPENSTACK, "--os-cloud", name, *args], env=env,
                             capture_output=True, text=True, timeout=180)
        assert out.returncode == 0, (args, out.stderr)
        return json.loads(out.stdout) if "json" in args else out.stdout
    return run


def wait(run, thing_id, status, timeout=60.0, kind=("volume",)):
    """Poll ``openstack <kind> show`` until ``status``."""
    deadline = time.monotonic() + timeout
    shown = None
    while time.monotonic() < deadline:
        shown = run(*kind, "show", thing_id, "-f", "json")
        if shown["status"] == status:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{thing_id} did not become {status}: {shown}")
