"""Quotas: os-quota-sets, /limits, counted usage, and the race: parallel
creates against a quota never pass it."""
from __future__ import annotations

import concurrent.futures


def test_quota_sets(volumes):
    admin, user = volumes.admin, volumes.user()
    shown = user.get("/os-quota-sets/p1").json()["quota_set"]
    assert shown["id"] == "p1" and shown["volumes"] == 10 and shown["gigabytes"] == 1000
    assert shown["snapshots"] == 10 and shown["per_volume_gigabytes"] == -1
    assert shown["volumes___DEFAULT__"] == -1 and shown["gigabytes___DEFAULT__"] == -1
    assert user.get("/os-quota-sets/p2").status_code == 403
    assert user.put("/os-quota-sets/p1", {"quota_set": {"volumes": 1}}).status_code == 403
    resp = admin.put("/os-quota-sets/p1", {"quota_set": {"volumes": 3, "gigabytes": "5"}})
    assert resp.status_code == 200
    assert resp.json()["quota_set"]["volumes"] == 3 and "id" not in resp.json()["quota_set"]
    assert admin.put("/os-quota-sets/p1", {"quota_set": {"bogus": 1}}).status_code == 400
    assert admin.put("/os-quota-sets/p1", {"quota_set": {"volumes": -2}}).status_code == 400
    assert admin.put("/os-quota-sets/p1", {"quota_set": {"volumes": "x"}}).status_code == 400
    volumes.create(user, size=2)
    usage = user.get("/os-quota-sets/p1?usage=true").json()["quota_set"]
    assert usage["volumes"] == {"limit": 3, "in_use": 1, "reserved": 0}
    assert usage["gigabytes"] == {"limit": 5, "in_use": 2, "reserved": 0}
    assert usage["gigabytes___DEFAULT__"]["in_use"] == 2
    defaults = user.get("/os-quota-sets/p1/defaults").json()["quota_set"]
    assert defaults["volumes"] == 10
    limits = user.get("/limits").json()["limits"]
    assert limits["rate"] == []
    assert limits["absolute"]["maxTotalVolumes"] == 3
    assert limits["absolute"]["totalVolumesUsed"] == 1
    assert limits["absolute"]["totalGigabytesUsed"] == 2
    assert admin.delete("/os-quota-sets/p1").status_code == 200
    assert user.get("/os-quota-sets/p1").json()["quota_set"]["volumes"] == 10


def test_a_project_id_no_table_can_hold_is_a_400(volumes):
    """Found by the long hostile-input run on PostgreSQL: the update locked
    the project's row with an id longer than the column (a 500)."""
    admin = volumes.admin
    long_id = "a" * 256
    for resp in (admin.put(f"/os-quota-sets/{long_id}", {"quota_set": {}}),
                 admin.put(f"/os-quota-sets/{long_id}", {"quota_set": {"volumes": 1}}),
                 admin.delete(f"/os-quota-sets/{long_id}"),
                 admin.get(f"/os-quota-sets/{long_id}"),
                 admin.get(f"/os-quota-sets/{long_id}/defaults")):
        assert resp.status_code == 400, resp.text
        assert "at most 255 characters" in resp.json()["badRequest"]["message"]
    at_limit = "b" * 255
    assert admin.put(f"/os-quota-sets/{at_limit}",
                     {"quota_set": {"volumes": 2}}).json()["quota_set"]["volumes"] == 2
    assert admin.delete(f"/os-quota-sets/{at_limit}").status_code == 200


def test_over_quota_is_413(volumes):
    admin, user = volumes.admin, volumes.user()
    admin.put("/os-quota-sets/p1", {"quota_set": {"volumes": 1, "gigabytes": 3,
                                                  "per_volume_gigabytes": 2}})
    resp = user.post("/volumes", {"volume": {"size": 3}})
    assert resp.status_code == 413 and "overLimit" in resp.json()
    vol = volumes.create(user, size=2)
    resp = user.post("/volumes", {"volume": {"size": 1}})
    assert resp.status_code == 413
    assert "Maximum number of volumes allowed (1)" in resp.json()["overLimit"]["message"]
    admin.put("/os-quota-sets/p1", {"quota_set": {"volumes": 5, "per_volume_gigabytes": -1}})
    resp = user.post("/volumes", {"volume": {"size": 2}})
    assert resp.status_code == 413 and "gigabytes" in resp.json()["overLimit"]["message"]
    resp = user.post(f"/volumes/{vol['id']}/action", {"os-extend": {"new_size": 4}})
    assert resp.status_code == 413
    admin.put("/os-quota-sets/p1", {"quota_set": {"volumes___DEFAULT__": 1}})
    resp = user.post("/volumes", {"volume": {"size": 1}})
    assert resp.status_code == 413 and "volumes___DEFAULT__" in resp.text


def test_parallel_creates_never_pass_the_quota(volumes):
    volumes.admin.put("/os-quota-sets/p1", {"quota_set": {"volumes": 10}})

    def create(_):
        client = volumes.user()
        return client.post("/volumes", {"volume": {"size": 1}}).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=15) as pool:
        codes = list(pool.map(create, range(30)))
    assert sorted(set(codes)) == [202, 413]
    assert codes.count(202) == 10
    listed = volumes.user().get("/volumes").json()["volumes"]
    assert len(listed) == 10
