"""The image API over real HTTP on a migrated image database, once per
backend."""
from __future__ import annotations

import os
import shutil

import pytest
import requests
import sqlalchemy as sa

from nubes.common import config
from nubes.common.db.transaction import Database
from nubes.image import app as image_app
from nubes.image import models, schema_sync
from tests.fixtures import databases
from tests.fixtures.servers import ThreadedServer


@pytest.fixture(scope="session", params=databases.backends())
def image_database(request):
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    yield db
    db.dispose()
    tmp.drop()


# Uploads past this are refused (413); tests stay well under it otherwise.
MAX_IMAGE_SIZE = 1 << 20


@pytest.fixture(scope="session")
def image_datadir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("image-data"))


@pytest.fixture(scope="session")
def image_server(image_database, image_datadir):
    conf = config.load(overrides={"api": {"auth_strategy": "noauth2"},
                                  "image_database": {"connection": image_database.url},
                                  "image": {"limit_param_default": 25},
                                  "image_store": {"filesystem_store_datadir": image_datadir,
                                                  "max_image_size": MAX_IMAGE_SIZE}})
    with ThreadedServer(image_app.build(conf, image_database)) as server:
        yield server


class ImageClient:
    def __init__(self, base_url: str, headers: dict[str, str]):
        self.base_url = base_url
        self.session = requests.Session()
        self.headers = headers

    def request(self, method: str, path: str, **kw) -> requests.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.session.request(method, self.base_url + path, headers=headers,
                                    timeout=30, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, ops, content_type="application/openstack-images-v2.1-json-patch",
              **kw):
        import json
        return self.request("PATCH", path, data=json.dumps(ops),
                            headers={"Content-Type": content_type}, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def create(self, **fields) -> dict:
        resp = self.post("/v2/images", json=fields)
        assert resp.status_code == 201, resp.text
        return resp.json()


class Images:
    def __init__(self, url: str, db: Database, datadir: str):
        self.url = url
        self.db = db
        self.datadir = datadir
        self.admin = ImageClient(url, {"X-Auth-Token": "admin"})

    def user(self, project: str = "p1", roles: str = "member") -> ImageClient:
        return ImageClient(self.url, {"X-Auth-Token": "user", "X-User-Id": "u-" + project,
                                      "X-Project-Id": project, "X-Roles": roles})

    def counts(self) -> dict[str, int]:
        def work(conn):
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                    for t in models.metadata.sorted_tables}
        return self.db.read(work)

    def stored_files(self) -> list[str]:
        """The names in the store's directory (data files and partial writes)."""
        return sorted(os.listdir(self.datadir)) if os.path.isdir(self.datadir) else []


@pytest.fixture
def images(image_server, image_database, image_datadir) -> Images:
    def wipe(conn):
        for table in reversed(models.metadata.sorted_tables):
            conn.execute(table.delete())
    image_database.write(wipe)
    shutil.rmtree(image_datadir, ignore_errors=True)
    return Images(image_server.url, image_database, image_datadir)
