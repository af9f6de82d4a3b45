"""The block storage of the distributed cloud (``start_cloud(..., volumes=True)``).

The volume manager ``nubes-volume`` (``--sync``: it creates the volume
database's schema first) and the volume API under gunicorn
(``nubes.wsgi.volume:application``), each its own process, on the
deployment's database server and RabbitMQ (a ``volume`` vhost of their
own); the ``file`` backend in the work directory, which every process of
the deployment sees (they all run on this machine).  The compute API and
the compute hosts reach the volume API through ``[identity]
volume_endpoint``, with ``[volume_client] token`` for the calls no user
made (a host's start-up reconcile and periodic tasks); the manager reads
images from the image API.
"""
from __future__ import annotations

from pathlib import Path

import requests

from tests.integration.cells.harness import Distributed, entry_point, wait_for

VOLUME_HOST = "storage-1"
VOLUME_TIMEOUT = 30.0
#: noauth2's admin (project ``admin``), the project of the admin's servers
HEADERS = {"X-Auth-Token": "admin", "OpenStack-API-Version": "volume 3.44"}


def endpoint_options(url: str) -> dict[str, dict]:
    """What the compute API's and the compute hosts' files get: the
    catalog's volume endpoint, as an operator writes it, and the service's
    own token (noauth2's admin) for calls without a caller's token."""
    return {"identity": {"volume_endpoint": f"{url}/v3/%(project_id)s"},
            "volume_client": {"token": "admin"}}


def volume_conf(d: Distributed, urls: dict[str, str], bus: dict[str, dict]) -> str:
    """The file the manager and the volume API share."""
    return d.write_conf("volume", {
        "DEFAULT": {"transport_url": d.bus_urls["volume"]},
        "api": {"auth_strategy": "noauth2"},
        "volume": {"host": VOLUME_HOST},
        "volume_database": {"connection": d.db_urls["volume"]},
        "image_client": {"endpoint": urls["image"], "token": "admin"},
        "file_backend": {"volumes_dir": volumes_dir(d), "total_capacity_gb": 50},
        **bus})


def volumes_dir(d: Distributed) -> Path:
    return d.workdir / "volumes"


def start_manager(d: Distributed, conf: str) -> None:
    """``nubes-volume --sync``: the schema, then the manager serving."""
    d.start("nubes-volume", [*entry_point("nubes-volume", "nubes.cmd.volume"),
                             "--config-file", conf, "--sync"])


def start_api(d: Distributed, conf: str, port: int) -> None:
    """The volume API under gunicorn, once the manager has made the schema
    (the app reads the database as it is built)."""
    d.processes["nubes-volume"].wait_log(f"volume manager {VOLUME_HOST} serving",
                                         timeout=60)
    d.start("volume-api", [
        *entry_point("gunicorn", "gunicorn"), "-k", "gthread", "--threads", "4", "-w", "1",
        "--graceful-timeout", "5", "-b", f"127.0.0.1:{port}",
        "nubes.wsgi.volume:application"],
        env={"NUBES_CONFIG_FILE": conf, "HOME": str(d.workdir)})


def wait_api(d: Distributed, url: str) -> None:
    wait_for(lambda: requests.get(url + "/", timeout=5).status_code in (200, 300),
             60, "the volume API to answer", alive=d.check_alive)


class VolumeApi:
    """The volume API of the cloud, as the admin of project ``admin``."""

    def __init__(self, d: Distributed, url: str):
        self.d = d
        self.url = url + "/v3/admin"
        self.session = requests.Session()

    def call(self, method: str, path: str, body=None, expect: int = 200,
             version: str | None = None) -> dict:
        headers = dict(HEADERS)
        if version:
            headers["OpenStack-API-Version"] = f"volume {version}"
        resp = self.session.request(method, self.url + path, json=body, headers=headers,
                                    timeout=30)
        assert resp.status_code == expect, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else {}

    def create(self, size: int = 1, name: str | None = None) -> str:
        return self.call("POST", "/volumes", {"volume": {"size": size, "name": name}},
                         202)["volume"]["id"]

    def show(self, volume_id: str) -> dict:
        return self.call("GET", f"/volumes/{volume_id}")["volume"]

    def wait(self, volume_id: str, status: str) -> dict:
        def settled():
            volume = self.show(volume_id)
            assert volume["status"] not in ("error", "error_deleting"), volume
            return volume if volume["status"] == status else None
        return wait_for(settled, VOLUME_TIMEOUT, f"volume {volume_id} {status}",
                        interval=0.1, alive=self.d.check_alive)

    def wait_gone(self, volume_id: str) -> None:
        def gone():
            resp = self.session.get(self.url + f"/volumes/{volume_id}", headers=HEADERS,
                                    timeout=30)
            assert resp.status_code in (200, 404), resp.text
            assert resp.status_code == 404 or resp.json()["volume"]["status"] != \
                "error_deleting", resp.text
            return resp.status_code == 404
        wait_for(gone, VOLUME_TIMEOUT, f"volume {volume_id} deleted", interval=0.1,
                 alive=self.d.check_alive)

    def attachments(self, **filters: str) -> list[dict]:
        """Every attachment (3.27+ detail) of every project, filtered."""
        query = "&".join(f"{k}={v}" for k, v in {"all_tenants": "1", **filters}.items())
        return self.call("GET", f"/attachments/detail?{query}")["attachments"]

    def volumes(self) -> list[dict]:
        return self.call("GET", "/volumes/detail?all_tenants=1")["volumes"]

    def in_use(self) -> dict[str, int]:
        """The admin project's quota usage (volumes, gigabytes, snapshots)."""
        quota = self.call("GET", "/os-quota-sets/admin?usage=True")["quota_set"]
        return {k: quota[k]["in_use"] for k in ("volumes", "gigabytes", "snapshots")}
