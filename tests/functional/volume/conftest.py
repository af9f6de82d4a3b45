"""The volume API over real HTTP on a migrated volume database, once per
backend, with the file backend in a temporary directory."""
from __future__ import annotations

import os
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from nubes.common import config, rpc
from nubes.common.db.transaction import Database
from nubes.image import app as image_app
from nubes.image import schema_sync as image_schema
from nubes.volume import models, schema_sync
from nubes.volume.api import app as volume_app
from nubes.volume.manager.process import VolumeManager
from tests.fixtures import databases
from tests.fixtures.servers import ThreadedServer

CAPACITY_GB = 100


@pytest.fixture(scope="session", params=databases.backends())
def volume_database(request):
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    yield db
    db.dispose()
    tmp.drop()


@pytest.fixture(scope="session")
def volumes_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("volumes"))


@pytest.fixture(scope="session")
def image_api(tmp_path_factory):
    """An image API (on SQLite: it is the edge the volume service talks
    to) that volumes are made from and uploaded to."""
    tmp = databases.TemporaryDatabase("sqlite")
    db = Database(tmp.url)
    image_schema.upgrade(db)
    conf = config.load(overrides={
        "api": {"auth_strategy": "noauth2"}, "image_database": {"connection": tmp.url},
        "image_store": {"filesystem_store_datadir": str(tmp_path_factory.mktemp("images"))}})
    with ThreadedServer(image_app.build(conf, db)) as server:
        yield server
    db.dispose()
    tmp.drop()


@pytest.fixture(scope="session")
def volume_state(volume_database, volumes_dir, image_api):
    conf = config.load(overrides={
        "api": {"auth_strategy": "noauth2"},
        "image_client": {"endpoint": image_api.url},
        "volume_database": {"connection": volume_database.url},
        "file_backend": {"volumes_dir": volumes_dir, "pools": ["pool-a", "pool-b"],
                         "total_capacity_gb": CAPACITY_GB}})
    transport = rpc.get_transport(f"memory://volume-{uuid.uuid4().hex[:8]}")
    manager = VolumeManager(conf, volume_database, transport).start()
    state = volume_app.build_state(conf, volume_database, transport=transport)
    state.manager = manager       # the tests' way to the in-process volume manager
    yield state
    state.close()
    manager.stop()
    transport.close()


@pytest.fixture(scope="session")
def volume_server(volume_state):
    with ThreadedServer(volume_app.build(volume_state.conf, state=volume_state),
                        threads=16) as server:
        yield server


class Client:
    """One caller of the volume API (noauth2 headers)."""

    def __init__(self, base_url: str, headers: dict[str, str], project: str,
                 version: str = "3.71"):
        self.base_url = base_url
        self.session = requests.Session()
        self.headers = headers
        self.project = project
        self.version = version

    def request(self, method: str, path: str, *, version: str | None = None,
                headers: dict | None = None, **kw) -> requests.Response:
        all_headers = {**self.headers,
                       "OpenStack-API-Version": f"volume {version or self.version}",
                       **(headers or {})}
        url = path if path.startswith("http") else f"{self.base_url}/v3/{self.project}{path}"
        return self.session.request(method, url, headers=all_headers, timeout=60, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class Volumes:
    def __init__(self, url: str, state, volumes_dir: str, image_url: str | None = None):
        self.url = url
        self.image_url = image_url
        self.state = state
        self.db = state.db
        self.volumes_dir = volumes_dir
        self.admin = Client(url, {"X-Auth-Token": "admin"}, "admin")

    def user(self, project: str = "p1", roles: str = "member,reader") -> Client:
        return Client(self.url, {"X-Auth-Token": "user", "X-User-Id": "u-" + project,
                                 "X-Project-Id": project, "X-Roles": roles}, project)

    def create(self, client: Client, wait: str | None = "available", **fields) -> dict:
        body = {"size": 1, **fields}
        resp = client.post("/volumes", {"volume": body})
        assert resp.status_code == 202, resp.text
        volume = resp.json()["volume"]
        if wait:
            volume = self.wait(client, volume["id"], wait)
        return volume

    def wait(self, client: Client, volume_id: str, *statuses: str,
             timeout: float = 60.0, collection: str = "volumes") -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            resp = client.get(f"/{collection}/{volume_id}")
            if resp.status_code == 200:
                last = resp.json()[collection[:-1]]
                if last["status"] in statuses:
                    return last
            time.sleep(0.02)
        raise AssertionError(f"{volume_id} did not reach {statuses}: {last}")

    def wait_gone(self, client: Client, volume_id: str, timeout: float = 60.0,
                  collection: str = "volumes") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if client.get(f"/{collection}/{volume_id}").status_code == 404:
                return
            time.sleep(0.02)
        raise AssertionError(f"{volume_id} is still there")

    def snapshot(self, client: Client, volume_id: str, wait: str | None = "available",
                 **fields) -> dict:
        resp = client.post("/snapshots", {"snapshot": {"volume_id": volume_id, **fields}})
        assert resp.status_code == 202, resp.text
        snapshot = resp.json()["snapshot"]
        if wait:
            snapshot = self.wait(client, snapshot["id"], wait, collection="snapshots")
        return snapshot

    def path(self, volume_id: str) -> str:
        """The file holding the volume's (or snapshot's) bytes."""
        for name in self.files():
            if name.endswith(volume_id):
                return os.path.join(self.volumes_dir, name)
        raise AssertionError(f"no file for {volume_id}: {self.files()}")

    def files(self) -> list[str]:
        return sorted(os.path.join(pool, name)
                      for pool in os.listdir(self.volumes_dir)
                      for name in os.listdir(os.path.join(self.volumes_dir, pool)))

    def row(self, volume_id: str):
        return self.db.read(lambda conn: conn.execute(
            sa.select(models.volumes).where(models.volumes.c.id == volume_id)).first())


def wipe(state, volumes_dir: str) -> None:
    state.manager.wait_idle()

    def work(conn):
        for table in reversed(models.metadata.sorted_tables):
            if table.name != "volume_types":
                conn.execute(table.delete())
        conn.execute(models.volume_types.delete().where(
            models.volume_types.c.name != state.conf.volume.default_volume_type))
    state.db.write(work)
    for pool in os.listdir(volumes_dir):
        for name in os.listdir(os.path.join(volumes_dir, pool)):
            os.unlink(os.path.join(volumes_dir, pool, name))


@pytest.fixture
def volumes(volume_server, volume_state, volumes_dir, image_api) -> Volumes:
    wipe(volume_state, volumes_dir)
    return Volumes(volume_server.url, volume_state, volumes_dir, image_api.url)
