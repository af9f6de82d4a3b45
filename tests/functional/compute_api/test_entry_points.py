"""nubes-api (waitress) and nubes.wsgi.compute:application, in their own
processes, on the test deployment."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

ADMIN = {"X-Auth-Token": "admin", "OpenStack-API-Version": "compute 2.53"}


def _conf(tmp_path, cloud) -> str:
    path = tmp_path / "nubes.conf"
    path.write_text("\n".join([
        "[api]", "auth_strategy = noauth2",
        "[api_database]", f"connection = {cloud.deployment.api_url}",
        "[placement_client]", f"endpoint = {cloud.placement.base_url}", "token = admin",
    ]) + "\n")
    return str(path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nubes_api_serves_the_deployment(tmp_path, cloud):
    service = cloud.deployment.add_compute_host("cell2", "h1")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nubes.cmd.api", "--config-file", _conf(tmp_path, cloud),
         "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, resp = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/v2.1/os-services",
                                    headers=ADMIN, timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.1)
        assert resp is not None and resp.status_code == 200, resp
        assert [s["id"] for s in resp.json()["services"]] == [service["uuid"]]
        root = requests.get(f"http://127.0.0.1:{port}/", timeout=5).json()
        assert root["versions"][1]["version"] == "2.96"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_wsgi_module_reads_the_config_file_from_the_environment(tmp_path, cloud):
    cloud.deployment.add_compute_host("cell1", "h1")
    script = ("from nubes.wsgi.compute import application\n"
              "from falcon import testing\n"
              "r = testing.TestClient(application).simulate_get("
              "'/v2.1/os-services', headers={'X-Auth-Token': 'admin'})\n"
              "print(r.status_code, len(r.json['services']))\n")
    env = dict(os.environ, NUBES_CONFIG_FILE=_conf(tmp_path, cloud))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "200 1"
