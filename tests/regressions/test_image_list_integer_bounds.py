"""``GET /v2/images?size_max=18446744073709551616`` was a 500 (found by the
hostile-input run, tests/fuzz): the integer went to the database as it was
(SQLite: "Python int too large to convert"; PostgreSQL/MySQL: out of range
for the size column).  size_min and size_max past a 64-bit integer are now
a 400 with the image API's error body, on every backend (a huge limit is
the largest page, as before)."""
from __future__ import annotations

import pytest
import requests

from nubes.common import config
from nubes.common.db.transaction import Database
from nubes.image import app as image_app
from nubes.image import schema_sync
from tests.fixtures import databases
from tests.fixtures.servers import ThreadedServer

HUGE = ["9223372036854775808", "18446744073709551616", "99999999999999999999999"]


@pytest.fixture(scope="module", params=databases.backends())
def image_url(request, tmp_path_factory):
    tmp = databases.TemporaryDatabase(request.param)
    db = Database(tmp.url)
    schema_sync.upgrade(db)
    conf = config.load(overrides={
        "api": {"auth_strategy": "noauth2"},
        "image_database": {"connection": tmp.url},
        "image_store": {"filesystem_store_datadir": str(tmp_path_factory.mktemp("data"))}})
    with ThreadedServer(image_app.build(conf, db)) as server:
        yield server.url
    db.dispose()
    tmp.drop()


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("name", ["size_min", "size_max"])
def test_an_integer_past_64_bits_is_a_400(image_url, name, value):
    resp = requests.get(f"{image_url}/v2/images?{name}={value}", timeout=30,
                        headers={"X-Auth-Token": "admin"})
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["code"] == "400 Bad Request"
    assert name in body["message"]


@pytest.mark.parametrize("name", ["size_min", "size_max", "limit"])
def test_the_largest_64_bit_integer_is_still_accepted(image_url, name):
    resp = requests.get(f"{image_url}/v2/images?{name}=9223372036854775807", timeout=30,
                        headers={"X-Auth-Token": "admin"})
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_limit_is_the_largest_page(image_url, value):
    resp = requests.get(f"{image_url}/v2/images?limit={value}", timeout=30,
                        headers={"X-Auth-Token": "admin"})
    assert resp.status_code == 200, resp.text
