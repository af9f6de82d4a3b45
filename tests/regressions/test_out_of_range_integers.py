"""Integers past what a database column holds were 500s (SQLite: "Python
int too large"; PostgreSQL: NumericValueOutOfRange) or errors logged for
every cell.  They are now answered from the API alone: an empty list, a
404, or a 400, the same on every backend."""
from __future__ import annotations

import logging

import pytest

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999"]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("ints") / "state"), cells=2,
                         hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("name", ["minRam", "minDisk"])
def test_a_flavor_minimum_past_any_size_lists_nothing(cloud, name, value):
    code, body = cloud.demo.get(f"/flavors/detail?{name}={value}")
    assert code == 200, body
    assert body["flavors"] == []


@pytest.mark.parametrize("value", HUGE + ["-1", "0"])
def test_an_out_of_range_hypervisor_id_is_404_and_no_cell_fails(cloud, value, caplog):
    caplog.set_level(logging.WARNING)
    code, body = cloud.admin.get(f"/os-hypervisors/{value}", version="2.1")
    assert code == 404, body
    assert body["itemNotFound"]["message"] == \
        f"Hypervisor with ID '{value}' could not be found."
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
