"""Counted-quota arithmetic (nubes.cells.quota): headroom, the first
resource over its limit, the messages, and the recheck's view of a
request (its own servers counted, newer build requests left out)."""
from __future__ import annotations

import pytest

from nubes.cells import quota
from nubes.common.context import RequestContext

LIMITS = {"instances": 10, "cores": 20, "ram": 4096}


def test_headroom_is_the_tightest_limit():
    per = quota.per_instance(vcpus=4, memory_mb=512)
    assert quota.headroom(LIMITS, {"instances": 0, "cores": 0, "ram": 0}, per, 8) == 5
    assert quota.headroom(LIMITS, {"instances": 9, "cores": 0, "ram": 0}, per, 8) == 1
    assert quota.headroom(LIMITS, {"instances": 0, "cores": 0, "ram": 4000}, per, 8) == 0
    # Already past a limit: no room, never negative.
    assert quota.headroom(LIMITS, {"instances": 12, "cores": 0, "ram": 0}, per, 8) == 0


def test_unlimited_and_zero_sized_resources_do_not_limit():
    per = quota.per_instance(vcpus=0, memory_mb=0)
    unlimited = {"instances": -1, "cores": 1, "ram": 1}
    assert quota.headroom(unlimited, {"instances": 99, "cores": 5, "ram": 5}, per, 7) == 7
    assert quota.counted_unlimited({"instances": -1, "cores": -1, "ram": -1, "key_pairs": 1})
    assert not quota.counted_unlimited({"instances": -1, "cores": 0, "ram": -1})


def test_first_over_and_its_message():
    used = {"instances": 10, "cores": 2, "ram": 0}
    over = quota.first_over(LIMITS, used, {"instances": 1, "cores": 1, "ram": 64})
    assert over == quota.Over("instances", 1, 10, 10)
    assert over.message() == ("Quota exceeded for instances: Requested 1, but already "
                              "used 10 of 10 instances")
    assert quota.first_over(LIMITS, {"instances": 0, "cores": 19, "ram": 0},
                            {"instances": 1, "cores": 2, "ram": 0}).resource == "cores"
    assert quota.first_over(LIMITS, used, {"instances": 0, "cores": 0, "ram": 0}) is None


class _Db:
    """An API database whose reads hand the function a dummy connection
    (the repo functions it reaches are replaced)."""

    def read(self, fn):
        return fn(None)


@pytest.fixture
def fake(monkeypatch):
    calls = {}
    state = {"limits": dict(LIMITS), "used": {"instances": 0, "cores": 0, "ram": 0},
             "ids": [7, 8]}
    monkeypatch.setattr(quota, "limits",
                        lambda conf, api_db, project, user_id=None: state["limits"])
    monkeypatch.setattr(quota.quota_usage, "build_request_ids",
                        lambda conn, uuids: list(state["ids"]))

    def usage(api_db, cells, ctx, project_id, *, up_to_build_request=None, user_id=None):
        calls["up_to"] = up_to_build_request
        return dict(state["used"])
    monkeypatch.setattr(quota, "usage", usage)
    state["calls"] = calls
    return state


def _recheck(vcpus=2, memory_mb=512, uuids=("a", "b")):
    return quota.recheck(None, _Db(), None, RequestContext(project_id="p"), "p",
                         list(uuids), vcpus=vcpus, memory_mb=memory_mb)


def test_recheck_counts_up_to_the_newest_own_build_request(fake):
    fake["used"] = {"instances": 10, "cores": 20, "ram": 1024}
    assert _recheck() is None           # exactly at the limits: fine
    assert fake["calls"]["up_to"] == 8


def test_recheck_over_speaks_of_the_request_and_the_others(fake):
    fake["used"] = {"instances": 11, "cores": 4, "ram": 1024}
    over = _recheck()
    assert over == quota.Over("instances", 2, 9, 10)


def test_recheck_skips_unlimited_and_vanished_requests(fake):
    fake["limits"] = {"instances": -1, "cores": -1, "ram": -1}
    fake["used"] = {"instances": 99, "cores": 99, "ram": 99}
    assert _recheck() is None
    assert "up_to" not in fake["calls"]         # nothing counted
    fake["limits"] = dict(LIMITS)
    fake["ids"] = []                            # every build request deleted
    assert _recheck() is None
    assert "up_to" not in fake["calls"]


def test_allowed_count_shrinks_or_refuses(monkeypatch):
    monkeypatch.setattr(quota, "limits", lambda conf, api_db, project, user_id=None: dict(LIMITS))
    monkeypatch.setattr(quota, "usage", lambda *a, **kw: {"instances": 7, "cores": 0,
                                                          "ram": 0})
    kw = dict(vcpus=1, memory_mb=64)
    assert quota.allowed_count(None, None, None, None, "p", min_count=1, max_count=5,
                               **kw) == 3
    with pytest.raises(quota.QuotaExceeded) as err:
        quota.allowed_count(None, None, None, None, "p", min_count=4, max_count=5, **kw)
    assert str(err.value) == ("Quota exceeded for instances: Requested 4, but already "
                              "used 7 of 10 instances")


def test_a_message_never_reports_more_used_than_the_limit():
    # Issue 14 read "already used 13 of 10": past the limit is shown as full.
    assert quota.Over("instances", 1, 13, 10).message() == (
        "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances")
    assert quota.Over("cores", 2, 3, 4).message() == (
        "Quota exceeded for cores: Requested 2, but already used 3 of 4 cores")


def _claim_steps(monkeypatch, limits: dict, used: dict) -> list[str]:
    steps: list[str] = []
    monkeypatch.setattr(quota, "limits_in", lambda conn, conf, project, user_id=None: dict(limits))
    monkeypatch.setattr(quota.quota_locks, "lock",
                        lambda conn, project: steps.append(f"lock {project}"))

    def usage_in(conn, cells, ctx, project_id, *, up_to_build_request=None, user_id=None):
        steps.append(f"count on {conn}" + (f" for {user_id}" if user_id else ""))
        return dict(used)
    monkeypatch.setattr(quota, "usage_in", usage_in)
    return steps


def test_claim_locks_the_project_then_counts_on_the_same_connection(monkeypatch):
    steps = _claim_steps(monkeypatch, LIMITS, {"instances": 7, "cores": 0, "ram": 0})
    kw = {"vcpus": 1, "memory_mb": 64}
    assert quota.claim("conn", None, None, None, "p", min_count=1, max_count=5, **kw) == 3
    assert steps == ["lock p", "count on conn"]
    with pytest.raises(quota.QuotaExceeded) as err:
        quota.claim("conn", None, None, None, "p", min_count=4, max_count=5, **kw)
    assert str(err.value) == ("Quota exceeded for instances: Requested 4, but already "
                              "used 7 of 10 instances")


def test_claim_takes_no_lock_when_nothing_is_counted(monkeypatch):
    steps = _claim_steps(monkeypatch, {"instances": -1, "cores": -1, "ram": -1},
                         {"instances": 99, "cores": 0, "ram": 0})
    assert quota.claim("conn", None, None, None, "p", min_count=1, max_count=5,
                       vcpus=1, memory_mb=64) == 5
    assert steps == []


def test_claim_checks_a_user_with_limits_of_their_own_against_their_usage(monkeypatch):
    steps = _claim_steps(monkeypatch, {"instances": -1, "cores": -1, "ram": -1},
                         {"instances": 2, "cores": 0, "ram": 0})
    own = {"instances": 3, "cores": -1, "ram": -1}
    monkeypatch.setattr(quota, "user_counted_in",
                        lambda conn, conf, project, user: dict(own) if user == "u" else None)
    kw = {"vcpus": 1, "memory_mb": 64}
    # The project is unlimited, the user may hold 3 and holds 2: one fits.
    assert quota.claim("conn", None, None, None, "p", min_count=1, max_count=5,
                       user_id="u", **kw) == 1
    assert steps == ["lock p", "count on conn for u"]
    with pytest.raises(quota.QuotaExceeded):
        quota.claim("conn", None, None, None, "p", min_count=2, max_count=5, user_id="u",
                    **kw)
    steps.clear()
    # Another user of the project has no limits of their own: nothing to count.
    assert quota.claim("conn", None, None, None, "p", min_count=1, max_count=5,
                       user_id="v", **kw) == 5
    assert steps == []
