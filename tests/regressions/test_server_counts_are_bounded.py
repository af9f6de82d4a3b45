"""POST /servers with min_count/max_count of 2**63 or 2**64 never answered:
the API built a list of that many hostnames before checking quota (each
such request pinned a core and grew by ~33 MB/s).  Counts are now bounded
by quota and by ``[api] max_servers_per_request`` before any work in
proportion to them."""
from __future__ import annotations

import pytest

from nubes.cells.api_db import models as api_models
from tests.fixtures.cloud import ServersCloud, server_body

pytestmark = pytest.mark.slow
HUGE = [2**63, 2**64, str(2**63), "99999999999999999999999"]


def _rows(cloud) -> int:
    return cloud.count_rows(api_models.build_requests, api_models.request_specs,
                            api_models.instance_mappings)


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("limited") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def unlimited(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("unlimited") / "state"),
                         cells=1, hosts_per_cell=1,
                         overrides={"quota": {"instances": -1, "cores": -1, "ram": -1},
                                    "api": {"max_servers_per_request": 3}})
    yield cloud
    cloud.stop()


@pytest.mark.parametrize("count", HUGE)
def test_a_huge_min_count_is_over_quota_at_once(limited, count):
    code, body = limited.demo.post("/servers", server_body(limited.image_id(),
                                                           min_count=count, max_count=count))
    assert code == 403, body
    assert body["forbidden"]["message"].startswith("Quota exceeded for instances: Requested ")
    assert _rows(limited) == 0


@pytest.mark.parametrize("count", HUGE)
def test_a_huge_min_count_with_unlimited_quota_is_400(unlimited, count):
    code, body = unlimited.demo.post("/servers", server_body(unlimited.image_id(),
                                                             min_count=count))
    assert code == 400, body
    assert body["badRequest"]["message"] == (
        f"min_count ({int(count)}) is more than the 3 servers one request may create.")
    assert _rows(unlimited) == 0


def test_a_huge_max_count_with_unlimited_quota_creates_the_cap(unlimited):
    code, body = unlimited.demo.post("/servers", server_body(
        unlimited.image_id(), name="many", max_count=2**64, return_reservation_id=True))
    assert code == 202, body
    code, listed = unlimited.demo.get(f"/servers?reservation_id={body['reservation_id']}")
    ids = sorted(s["id"] for s in listed["servers"])
    assert len(ids) == 3
    for sid in ids:
        unlimited.wait_status(unlimited.demo, sid, "ACTIVE")
        assert unlimited.demo.delete(f"/servers/{sid}")[0] == 204
    for sid in ids:
        unlimited.wait_gone(unlimited.demo, sid)
