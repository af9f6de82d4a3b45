"""Image data under gunicorn (``nubes.wsgi.image:application``), which,
unlike waitress, streams request bodies to the app as they arrive: a
chunked upload without Content-Length, the size cap found while reading,
and a client that goes away mid-upload leaving the image queued without
data."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from nubes.common.db.transaction import Database
from nubes.image import schema_sync

pytestmark = pytest.mark.slow

ADMIN = {"X-Auth-Token": "admin"}
OCTET = {**ADMIN, "Content-Type": "application/octet-stream"}
MAX = 300_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn-image")
    url = f"sqlite:///{tmp}/image.sqlite"
    db = Database(url)
    schema_sync.upgrade(db)
    db.dispose()
    datadir = tmp / "images"
    conf = tmp / "nubes.conf"
    conf.write_text(f"[api]\nauth_strategy = noauth2\n[image_database]\nconnection = {url}\n"
                    f"[image_store]\nfilesystem_store_datadir = {datadir}\n"
                    f"max_image_size = {MAX}\n")
    port = _free_port()
    binary = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen([binary, "-k", "gthread", "--threads", "4", "-w", "1", "-b",
                             f"127.0.0.1:{port}", "nubes.wsgi.image:application"],
                            env={**os.environ, "NUBES_CONFIG_FILE": str(conf)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(base + "/versions", timeout=2)
            break
        except requests.ConnectionError:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.1)
    yield base, str(datadir)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _image(base: str) -> str:
    resp = requests.post(base + "/v2/images", headers=ADMIN, timeout=10, json={
        "name": "disk", "disk_format": "raw", "container_format": "bare"})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _files(datadir: str) -> list[str]:
    return sorted(os.listdir(datadir)) if os.path.isdir(datadir) else []


def test_chunked_upload_and_cap(gunicorn):
    base, datadir = gunicorn
    image = _image(base)
    data = hashlib.shake_256(b"chunked").digest(250_000)
    resp = requests.put(f"{base}/v2/images/{image}/file", headers=OCTET, timeout=30,
                        data=(data[i:i + 9_999] for i in range(0, len(data), 9_999)))
    assert resp.status_code == 204, resp.text
    assert "Content-Length" not in resp.request.headers
    shown = requests.get(f"{base}/v2/images/{image}", headers=ADMIN, timeout=10).json()
    assert (shown["size"], shown["checksum"]) == (len(data), hashlib.md5(data).hexdigest())
    assert requests.get(f"{base}/v2/images/{image}/file", headers=ADMIN,
                        timeout=10).content == data

    big = _image(base)
    resp = requests.put(f"{base}/v2/images/{big}/file", headers=OCTET, timeout=30,
                        data=(b"x" * 50_000 for _ in range(7)))
    assert resp.status_code == 413, resp.text
    assert requests.get(f"{base}/v2/images/{big}", headers=ADMIN,
                        timeout=10).json()["status"] == "queued"
    assert _files(datadir) == [image]


def _wait_for(base: str, image: str, done) -> dict:
    deadline = time.monotonic() + 10
    while True:
        shown = requests.get(f"{base}/v2/images/{image}", headers=ADMIN, timeout=10).json()
        if done(shown):
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.05)


def test_client_gone_mid_upload(gunicorn):
    base, datadir = gunicorn
    image = _image(base)
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"PUT /v2/images/{image}/file HTTP/1.1\r\nHost: {host}\r\n"
                      "X-Auth-Token: admin\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: 200000\r\n\r\n").encode() + b"y" * 70_000)
        # The upload is under way: the image is saving, its bytes in a partial file.
        _wait_for(base, image, lambda shown: shown["status"] == "saving" and any(
            f.startswith(image + ".") for f in _files(datadir)))
    shown = _wait_for(base, image, lambda shown: shown["status"] == "queued" and not any(
        f.startswith(image) for f in _files(datadir)))
    assert (shown["size"], shown["checksum"]) == (None, None)
    resp = requests.put(f"{base}/v2/images/{image}/file", headers=OCTET, data=b"again",
                        timeout=10)
    assert resp.status_code == 204, resp.text
