"""``GET /flavors/detail?minDisk=4611686018427387904`` was a 500 on
PostgreSQL (found by the hostile-input run, tests/fuzz): the handler caps a
minimum at 2**31 (past every flavor size) but the bound went to the database
typed like the 32-bit column, and 2**31 is out of range for an ``integer``
there (NumericValueOutOfRange).  Every minimum past a flavor size now lists
nothing on every backend, through the real API of a cloud whose databases
are on that backend."""
from __future__ import annotations

import pytest

from tests.fixtures import databases
from tests.fixtures.backend_cloud import BackendCloud

pytestmark = pytest.mark.slow
PAST = ["2147483647", "2147483648", "4611686018427387904", "9223372036854775808",
        "99999999999999999999999"]


@pytest.fixture(scope="module", params=databases.backends())
def cloud(request, tmp_path_factory):
    made = BackendCloud(request.param, str(tmp_path_factory.mktemp("flavor-min") / "state"))
    yield made.cloud
    made.stop()


@pytest.mark.parametrize("value", PAST)
@pytest.mark.parametrize("name", ["minRam", "minDisk"])
@pytest.mark.parametrize("path", ["/flavors", "/flavors/detail"])
def test_a_minimum_past_every_flavor_lists_nothing(cloud, path, name, value):
    code, body = cloud.demo.get(f"{path}?{name}={value}")
    assert code == 200, body
    assert body["flavors"] == []


@pytest.mark.parametrize("name", ["minRam", "minDisk"])
def test_a_minimum_within_range_still_filters(cloud, name):
    code, body = cloud.demo.get(f"/flavors?{name}=1")
    assert code == 200, body
    assert body["flavors"]
