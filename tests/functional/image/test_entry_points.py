"""nubes-image-api (waitress, --sync) and nubes.wsgi.image:application
under gunicorn, each in its own process on one SQLite image database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

ADMIN = {"X-Auth-Token": "admin"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen) -> requests.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(url, headers=ADMIN, timeout=2)
        except requests.ConnectionError:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_dev_server_then_gunicorn(tmp_path):
    conf = tmp_path / "nubes.conf"
    conf.write_text(f"[api]\nauth_strategy = noauth2\n[image_database]\n"
                    f"connection = sqlite:///{tmp_path}/image.sqlite\n")
    port = _free_port()
    dev = subprocess.Popen([sys.executable, "-m", "nubes.cmd.image_api", "--config-file",
                            str(conf), "--port", str(port), "--threads", "2", "--sync"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait(f"http://127.0.0.1:{port}/versions", dev).status_code == 200
        made = requests.post(f"http://127.0.0.1:{port}/v2/images", headers=ADMIN,
                             json={"name": "one"}, timeout=10)
        assert made.status_code == 201, made.text
    finally:
        _stop(dev)

    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    port = _free_port()
    prod = subprocess.Popen([gunicorn, "-k", "gthread", "--threads", "2", "-w", "1", "-b",
                             f"127.0.0.1:{port}", "nubes.wsgi.image:application"],
                            env={**os.environ, "NUBES_CONFIG_FILE": str(conf)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        listed = _wait(f"http://127.0.0.1:{port}/v2/images", prod)
        assert [i["name"] for i in listed.json()["images"]] == ["one"]
    finally:
        _stop(prod)
