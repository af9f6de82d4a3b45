"""The volume manager (``nubes-volume``) as its own process, on MariaDB or
PostgreSQL and RabbitMQ, behind the volume API as another process
(``nubes-volume-api``): a volume is created (the API casts, the manager
makes its file and writes ``available``), attached through the
attachments API and detached, extended, and deleted (the manager removes
the file and the row).  A volume whose backend work fails ends in
``error`` with the reason, written by the manager.  While no manager
runs, a create stays ``creating``; a manager started later takes the
cast RabbitMQ kept for it."""
from __future__ import annotations

import os
import time

import pytest
import requests

from tests.integration.cells.harness import Distributed, free_port, wait_for

HEADERS = {"X-Auth-Token": "user", "X-User-Id": "u1", "X-Project-Id": "p1",
           "X-Roles": "member,reader", "OpenStack-API-Version": "volume 3.44"}


class VolumeDeployment:
    def __init__(self, d: Distributed, rabbit: str):
        self.d = d
        d.create_databases(("volume",))
        d.create_vhosts(rabbit, ("volume",))
        self.volumes_dir = d.workdir / "volumes"
        self.conf = d.write_conf("volume", {
            "DEFAULT": {"transport_url": d.bus_urls["volume"]},
            "api": {"auth_strategy": "noauth2"},
            "volume": {"host": "storage-1"},
            "volume_database": {"connection": d.db_urls["volume"]},
            "file_backend": {"volumes_dir": self.volumes_dir, "pools": "good,z-broken",
                             "total_capacity_gb": 10}})
        self.url = f"http://127.0.0.1:{free_port()}/v3/p1"

    def start_manager(self, *extra: str):
        manager = self.d.start("nubes-volume", self.d.command(
            "nubes-volume", "nubes.cmd.volume") + ["--config-file", self.conf, *extra])
        manager.wait_log("volume manager storage-1 serving", timeout=60)
        return manager

    def start_api(self) -> None:
        port = self.url.split(":")[2].split("/")[0]
        self.d.start("nubes-volume-api", self.d.command(
            "nubes-volume-api", "nubes.cmd.volume_api") + ["--config-file", self.conf,
                                                            "--port", port])
        wait_for(lambda: requests.get(self.url.rsplit("/v3", 1)[0] + "/", timeout=5).ok,
                 60, "the volume API", alive=self.d.check_alive)

    def call(self, method: str, path: str, body=None, expect: int = 200) -> dict:
        resp = requests.request(method, self.url + path, json=body, headers=HEADERS,
                                timeout=30)
        assert resp.status_code == expect, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else {}

    def wait(self, volume_id: str, *statuses: str) -> dict:
        return wait_for(lambda: (lambda v: v if v["status"] in statuses else None)(
            self.call("GET", f"/volumes/{volume_id}")["volume"]), 60,
            f"volume {volume_id} {statuses}", alive=self.d.check_alive)

    def wait_gone(self, volume_id: str) -> None:
        wait_for(lambda: requests.get(self.url + f"/volumes/{volume_id}", headers=HEADERS,
                                      timeout=30).status_code == 404,
                 60, f"volume {volume_id} deleted", alive=self.d.check_alive)

    def create(self, size: int = 1) -> str:
        return self.call("POST", "/volumes", {"volume": {"size": size}}, 202)["volume"]["id"]


def _file(v: VolumeDeployment, volume_id: str) -> str:
    return os.path.join(v.volumes_dir, "good", f"volume-{volume_id}")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_volume_manager_process(backend, deployment):
    v = VolumeDeployment(deployment, Distributed.check_environment(backend))
    v.start_manager("--sync")
    v.start_api()

    # A pool whose directory is a file: the manager cannot make the volume
    # there, and writes error with the reason.  (Of two pools as roomy,
    # the volume goes to the one named last.)
    os.makedirs(v.volumes_dir, exist_ok=True)
    (v.volumes_dir / "z-broken").write_text("not a directory")
    first = v.create(size=2)
    failed = v.wait(first, "error", "available")
    assert failed["status"] == "error", failed
    deployment.processes["nubes-volume"].wait_log(f"volume {first} could not be created")
    # The manager makes the next one's file, in the roomier pool now.
    vol = v.create()
    v.wait(vol, "available")
    assert os.path.getsize(_file(v, vol)) == 1 << 30

    # Attach and detach through the attachments API (the API connects it).
    connector = {"host": "compute-1", "initiator": "iqn.test", "mountpoint": "/dev/vdb"}
    att = v.call("POST", "/attachments", {"attachment": {
        "volume_uuid": vol, "instance_uuid": "5e1d7c1e-0000-4000-8000-000000000001",
        "connector": connector}})["attachment"]
    assert att["connection_info"]["device_path"] == _file(v, vol)
    v.call("POST", f"/attachments/{att['id']}/action", {"os-complete": None}, 204)
    assert v.wait(vol, "in-use")["attachments"][0]["attachment_id"] == att["id"]
    v.call("DELETE", f"/attachments/{att['id']}")
    v.wait(vol, "available")

    # Extend and delete: the manager grows the file, then removes it.
    v.call("POST", f"/volumes/{vol}/action", {"os-extend": {"new_size": 3}}, 202)
    v.wait(vol, "available")
    wait_for(lambda: os.path.getsize(_file(v, vol)) == 3 << 30, 30, "the file grown")
    v.call("DELETE", f"/volumes/{vol}", expect=202)
    v.wait_gone(vol)
    assert not os.path.exists(_file(v, vol))

    # No manager: a new volume stays creating; a manager started later
    # takes the cast the bus kept for it.
    assert deployment.stop("nubes-volume") == 0
    later = v.create()
    time.sleep(1.0)
    assert v.call("GET", f"/volumes/{later}")["volume"]["status"] == "creating"
    v.start_manager()
    v.wait(later, "available")
    for volume_id in (later, first):
        v.call("DELETE", f"/volumes/{volume_id}", expect=202)
        v.wait_gone(volume_id)
    assert os.listdir(v.volumes_dir / "good") == []
