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
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("counts") / "state"),
                         cells=1, hosts_per_cell=1,
                         overrides={"quota": {"instances": 5, "cores": -1, "ram": -1},
                                    "api": {"max_servers_per_request": 3}})
    yield cloud
    cloud.stop()


@pytest.mark.parametrize("count", HUGE)
def test_a_huge_min_count_is_over_quota_at_once(cloud, count):
    code, body = cloud.demo.post("/servers", server_body(cloud.image_id(),
                                                         min_count=count, max_count=count))
    assert code == 403, body
    assert body["forbidden"]["message"] == (
        f"Quota exceeded for instances: Requested {int(count)}, but already used 0 of 5 "
        "instances")
    assert _rows(cloud) == 0


def test_a_min_count_within_quota_but_past_the_request_cap_is_400(cloud):
    code, body = cloud.demo.post("/servers", server_body(cloud.image_id(), min_count=4))
    assert code == 400, body
    assert body["badRequest"]["message"] == \
        "min_count (4) is more than the 3 servers one request may create."
    assert _rows(cloud) == 0


@pytest.mark.parametrize("count", [2**64, "99999999999999999999999"])
def test_a_huge_max_count_alone_creates_what_quota_and_the_cap_allow(cloud, count):
    """min_count defaults to 1; max_count shrinks to the quota (5), then to
    the cap (3)."""
    code, body = cloud.demo.post("/servers", server_body(
        cloud.image_id(), name="many", max_count=count, return_reservation_id=True))
    assert code == 202, body
    code, listed = cloud.demo.get(f"/servers?reservation_id={body['reservation_id']}")
    ids = sorted(s["id"] for s in listed["servers"])
    assert len(ids) == 3
    for sid in ids:
        cloud.wait_status(cloud.demo, sid, "ACTIVE")
    for sid in ids:
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    for sid in ids:
        cloud.wait_gone(cloud.demo, sid)
