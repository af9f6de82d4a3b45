"""/resource_providers/{uuid}/aggregates: a bare list before 1.19, with the
provider generation (checked and bumped) from 1.19."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from nubes.placement import models
from tests.fixtures.placement import PlacementClient

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
MISSING = "99999999-9999-4999-8999-999999999999"
A = "aaaaaaaa-0000-4000-8000-00000000000a"
B = "bbbbbbbb-0000-4000-8000-00000000000b"
C = "cccccccc-0000-4000-8000-00000000000c"
AGG = f"/resource_providers/{U1}/aggregates"


@pytest.fixture
def rp(placement):
    return placement.create_provider("host", uuid=U1)["uuid"]


def _generation(placement, uuid=U1) -> int:
    return placement.get(f"/resource_providers/{uuid}").json["generation"]


def _aggregates(placement, uuid=U1) -> list[str]:
    return sorted(placement.get(f"/resource_providers/{uuid}/aggregates").json["aggregates"])


def _put(client, aggregates, generation, uuid=U1):
    return client.put(f"/resource_providers/{uuid}/aggregates",
                      json={"aggregates": aggregates, "resource_provider_generation": generation})


def _aggregate_rows(db) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(models.placement_aggregates))


def test_absent_before_1_1(placement, rp):
    assert placement.get(AGG, version="1.0").status == 404
    assert placement.put(AGG, json=[A], version="1.0").status == 404


def test_get_shape_by_version(placement, rp):
    old = placement.get(AGG, version="1.1")
    assert old.status == 200 and old.json == {"aggregates": []}
    new = placement.get(AGG, version="1.19")
    assert new.json == {"aggregates": [], "resource_provider_generation": 0}
    assert "Last-Modified" not in placement.get(AGG, version="1.14").headers
    dated = placement.get(AGG, version="1.15")
    assert dated.headers["Cache-Control"] == "no-cache" and "Last-Modified" in dated.headers


@pytest.mark.parametrize("method, body", [("GET", None), ("PUT", [A])])
def test_unknown_provider_is_404(placement, method, body):
    kwargs = {} if body is None else {"json": body}
    resp = placement.request(method, f"/resource_providers/{MISSING}/aggregates",
                             version="1.18", **kwargs)
    assert resp.status == 404
    modern = placement.request(method, f"/resource_providers/{MISSING}/aggregates",
                               **({} if body is None else
                                  {"json": {"aggregates": body,
                                            "resource_provider_generation": 0}}))
    assert modern.status == 404
    assert modern.error_code == "placement.resource_provider.not_found"
    assert modern.error_detail == f"No resource provider with uuid {MISSING} found"


def test_put_before_1_19_takes_a_list_and_keeps_the_generation(placement, rp):
    resp = placement.put(AGG, json=[A, B], version="1.1")
    assert resp.status == 200
    assert sorted(resp.json["aggregates"]) == [A, B]
    assert "resource_provider_generation" not in resp.json
    assert _generation(placement) == 0
    assert placement.put(AGG, json=[B, C], version="1.18").status == 200
    assert _aggregates(placement) == [B, C]
    assert placement.put(AGG, json=[], version="1.18").json == {"aggregates": []}
    assert _aggregates(placement) == []
    assert _generation(placement) == 0


def test_put_from_1_19_checks_and_bumps_the_generation(placement, rp):
    resp = _put(PlacementClient(placement.base_url, version="1.19"), [A, B], 0)
    assert resp.status == 200
    assert sorted(resp.json["aggregates"]) == [A, B]
    assert resp.json["resource_provider_generation"] == 1
    assert _generation(placement) == 1
    shown = placement.get(AGG, version="1.19").json
    assert sorted(shown["aggregates"]) == [A, B] and shown["resource_provider_generation"] == 1
    stale = _put(placement, [C], 0)
    assert stale.status == 409
    assert stale.error_code == "placement.concurrent_update"
    assert _aggregates(placement) == [A, B] and _generation(placement) == 1
    assert _put(placement, [], 1).json == {"aggregates": [], "resource_provider_generation": 2}


def test_aggregates_are_shared_and_created_once(placement, placement_database, rp):
    placement.create_provider("other", uuid=U2)
    assert _put(placement, [A, B], 0).status == 200
    assert _put(placement, [B, C], 0, uuid=U2).status == 200
    assert _aggregate_rows(placement_database) == 3
    assert _aggregates(placement, U2) == [B, C]
    listed = placement.get("/resource_providers", params={"member_of": B}).json
    assert {p["uuid"] for p in listed["resource_providers"]} == {U1, U2}
    only_a = placement.get("/resource_providers", params={"member_of": A}).json
    assert [p["uuid"] for p in only_a["resource_providers"]] == [U1]


def test_replacing_keeps_other_providers_memberships(placement, rp):
    placement.create_provider("other", uuid=U2)
    _put(placement, [A], 0)
    _put(placement, [A], 0, uuid=U2)
    assert _put(placement, [B], 1).status == 200
    assert _aggregates(placement) == [B]
    assert _aggregates(placement, U2) == [A]


def test_the_same_set_again_still_bumps_the_generation(placement, rp):
    _put(placement, [A], 0)
    resp = _put(placement, [A], 1)
    assert resp.status == 200 and resp.json["resource_provider_generation"] == 2


@pytest.mark.parametrize("body", [
    {"aggregates": [A]},
    {"resource_provider_generation": 0},
    {"aggregates": [A], "resource_provider_generation": "0"},
    {"aggregates": [A], "resource_provider_generation": 0, "extra": 1},
    {"aggregates": ["not-a-uuid"], "resource_provider_generation": 0},
    {"aggregates": [A, A], "resource_provider_generation": 0},
    {"aggregates": [1], "resource_provider_generation": 0},
    {"aggregates": A, "resource_provider_generation": 0},
    [A],
])
def test_bad_bodies_from_1_19(placement, placement_database, rp, body):
    resp = placement.put(AGG, json=body)
    assert resp.status == 400, resp
    assert resp.error_code == "placement.undefined_code"
    assert _aggregates(placement) == [] and _generation(placement) == 0
    assert _aggregate_rows(placement_database) == 0


@pytest.mark.parametrize("body", [
    {"aggregates": [A], "resource_provider_generation": 0},
    ["not-a-uuid"],
    [A, A],
    [None],
    A,
])
def test_bad_bodies_before_1_19(placement, rp, body):
    assert placement.put(AGG, json=body, version="1.18").status == 400
    assert _aggregates(placement) == []


def test_malformed_json_and_wrong_media_type(placement, rp):
    malformed = placement.put(AGG, data=b"[nope", headers={"Content-Type": "application/json"})
    assert malformed.status == 400 and "Malformed JSON" in malformed.error_detail
    assert placement.put(AGG, data=b"[]", headers={"Content-Type": "text/plain"}).status == 415


def test_members_are_forbidden(placement, rp):
    member = placement.as_user()
    assert member.get(AGG).status == 403
    assert _put(member, [A], 0).status == 403
    assert _aggregates(placement) == []


# -- concurrency ----------------------------------------------------------------------

def _in_parallel(placement, calls):
    clients = [PlacementClient(placement.base_url) for _ in calls]
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda pair: pair[0](pair[1]), zip(calls, clients)))


def test_writers_with_the_same_generation_exactly_one_wins(placement, rp):
    sets = [[A], [B], [C], [A, B], [B, C], [A, C]]
    results = _in_parallel(placement, [(lambda s: lambda c: _put(c, s, 0))(s) for s in sets])
    assert sorted(r.status for r in results) == [200] + [409] * 5, results
    winner = next(r for r in results if r.status == 200)
    assert _aggregates(placement) == sorted(winner.json["aggregates"])
    assert _generation(placement) == 1


def test_concurrent_creators_of_one_aggregate_share_it(placement, placement_database):
    uuids = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 7)]
    for n, uuid in enumerate(uuids):
        placement.create_provider(f"rp{n}", uuid=uuid)
    results = _in_parallel(placement, [(lambda u: lambda c: _put(c, [A, B], 0, uuid=u))(u)
                                       for u in uuids])
    assert [r.status for r in results] == [200] * len(uuids), results
    assert _aggregate_rows(placement_database) == 2
    listed = placement.get("/resource_providers", params={"member_of": A}).json
    assert {p["uuid"] for p in listed["resource_providers"]} == set(uuids)


def test_concurrent_list_writers_before_1_19_serialise(placement, rp):
    sets = [[A], [B], [C], [A, B], [B, C], [A, C]]
    results = _in_parallel(placement, [
        (lambda s: lambda c: c.put(AGG, json=s, version="1.18"))(s) for s in sets])
    assert [r.status for r in results] == [200] * len(sets), results
    # Each replacement ran whole: the result is one of the sets, not a mix.
    assert _aggregates(placement) in [sorted(s) for s in sets]
