"""/resource_providers/{uuid}/inventories and .../inventories/{resource_class}."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fixtures.placement import PlacementClient
from tests.functional.placement.test_usages import allocate

U1 = "11111111-1111-4111-8111-111111111111"
MISSING = "99999999-9999-4999-8999-999999999999"
MAX_INT = 2147483647
INV = f"/resource_providers/{U1}/inventories"
DEFAULTS = {"reserved": 0, "min_unit": 1, "max_unit": MAX_INT, "step_size": 1,
            "allocation_ratio": 1.0}


@pytest.fixture
def rp(placement):
    return placement.create_provider("host", uuid=U1)["uuid"]


def _generation(placement) -> int:
    return placement.get(f"/resource_providers/{U1}").json["generation"]


def _put_all(placement, generation, inventories, version="latest"):
    return placement.put(INV, json={"resource_provider_generation": generation,
                                    "inventories": inventories}, version=version)


def _unchanged(placement, generation: int, inventories: dict) -> bool:
    body = placement.get(INV).json
    return body == {"resource_provider_generation": generation, "inventories": inventories}


# -- reading --------------------------------------------------------------------------

def test_new_provider_has_no_inventory(placement, rp):
    resp = placement.get(INV, version="1.0")
    assert resp.status == 200
    assert resp.json == {"resource_provider_generation": 0, "inventories": {}}


@pytest.mark.parametrize("method, path, body", [
    ("GET", "", None),
    ("PUT", "", {"resource_provider_generation": 0, "inventories": {}}),
    ("POST", "", {"resource_provider_generation": 0, "resource_class": "VCPU", "total": 1}),
    ("DELETE", "", None),
    ("GET", "/VCPU", None),
    ("PUT", "/VCPU", {"resource_provider_generation": 0, "total": 1}),
    ("DELETE", "/VCPU", None),
])
def test_unknown_provider_is_404(placement, method, path, body):
    kwargs = {} if body is None else {"json": body}
    resp = placement.request(method, f"/resource_providers/{MISSING}/inventories{path}", **kwargs)
    assert resp.status == 404, resp
    assert resp.error_code == "placement.resource_provider.not_found"
    assert resp.error_detail == f"No resource provider with uuid {MISSING} found"


def test_headers_by_version(placement, rp):
    placement.set_inventory(U1, {"VCPU": 4})
    for path in (INV, INV + "/VCPU"):
        assert "Last-Modified" not in placement.get(path, version="1.14").headers
        resp = placement.get(path, version="1.15")
        assert resp.headers["Cache-Control"] == "no-cache" and "Last-Modified" in resp.headers


def test_get_one(placement, rp):
    placement.set_inventory(U1, {"VCPU": {"total": 8, "reserved": 1}})
    resp = placement.get(INV + "/VCPU", version="1.0")
    assert resp.status == 200
    assert resp.json == {**DEFAULTS, "total": 8, "reserved": 1, "resource_provider_generation": 1}


@pytest.mark.parametrize("name", ["MEMORY_MB", "CUSTOM_NOPE", "lower"])
def test_get_one_that_is_not_there_is_404(placement, rp, name):
    placement.set_inventory(U1, {"VCPU": 8})
    resp = placement.get(f"{INV}/{name}")
    assert resp.status == 404
    assert resp.error_code == "placement.undefined_code"


def test_members_are_forbidden(placement, rp):
    member = placement.as_user()
    assert member.get(INV).status == 403
    assert _put_all(member, 0, {}).status == 403
    assert member.delete(INV + "/VCPU").status == 403


# -- replacing the whole set ------------------------------------------------------------

def test_put_fills_defaults_and_bumps_generation(placement, rp):
    resp = _put_all(placement, 0, {"VCPU": {"total": 8, "allocation_ratio": 16.0},
                                   "MEMORY_MB": {"total": 4096, "reserved": 512,
                                                 "max_unit": 2048, "step_size": 256}},
                    version="1.0")
    assert resp.status == 200
    expected = {"VCPU": {**DEFAULTS, "total": 8, "allocation_ratio": 16.0},
                "MEMORY_MB": {**DEFAULTS, "total": 4096, "reserved": 512, "max_unit": 2048,
                              "step_size": 256}}
    assert resp.json == {"resource_provider_generation": 1, "inventories": expected}
    assert _generation(placement) == 1
    assert _unchanged(placement, 1, expected)


def test_put_replaces_the_set(placement, rp):
    placement.set_inventory(U1, {"VCPU": 8, "MEMORY_MB": 1024})
    resp = _put_all(placement, 1, {"DISK_GB": {"total": 100}, "VCPU": {"total": 16}})
    assert resp.status == 200
    assert set(resp.json["inventories"]) == {"DISK_GB", "VCPU"}
    assert resp.json["inventories"]["VCPU"]["total"] == 16
    emptied = _put_all(placement, 2, {})
    assert emptied.status == 200
    assert emptied.json == {"resource_provider_generation": 3, "inventories": {}}


def test_put_with_custom_class(placement, rp):
    assert placement.put("/resource_classes/CUSTOM_GPU", version="1.7").status == 201
    resp = _put_all(placement, 0, {"CUSTOM_GPU": {"total": 2}})
    assert resp.status == 200 and resp.json["inventories"]["CUSTOM_GPU"]["total"] == 2


def test_integral_floats_are_integers(placement, rp):
    resp = _put_all(placement, 0, {"VCPU": {"total": 8.0, "reserved": 1.0}})
    assert resp.status == 200
    assert type(resp.json["inventories"]["VCPU"]["total"]) is int


@pytest.mark.parametrize("ratio", [1.1, 0.5, 16.0, 1.5, 3.3, 1e-3])
def test_allocation_ratio_round_trips(placement, rp, ratio):
    resp = _put_all(placement, 0, {"VCPU": {"total": 8, "allocation_ratio": ratio}})
    assert resp.json["inventories"]["VCPU"]["allocation_ratio"] == ratio
    assert placement.get(INV + "/VCPU").json["allocation_ratio"] == ratio


def test_stale_generation_is_409_and_writes_nothing(placement, rp):
    # Only the PUTs: POST ignores the generation (test_post_generation_...).
    placement.set_inventory(U1, {"VCPU": 8})
    current = {"VCPU": {**DEFAULTS, "total": 8}}
    attempts = [
        lambda: _put_all(placement, 0, {"VCPU": {"total": 1}}),
        lambda: placement.put(INV + "/VCPU", json={"resource_provider_generation": 0,
                                                   "total": 1}),
        lambda: placement.put(INV + "/VCPU", json={"resource_provider_generation": 7,
                                                   "total": 1}),
    ]
    for attempt in attempts:
        resp = attempt()
        assert resp.status == 409, resp
        assert resp.error_code == "placement.concurrent_update"
        assert _unchanged(placement, 1, current)


@pytest.mark.parametrize("inventories", [
    {"VCPU": {"total": 0}},
    {"VCPU": {"total": -1}},
    {"VCPU": {"total": MAX_INT + 1}},
    {"VCPU": {"total": "8"}},
    {"VCPU": {"total": True}},
    {"VCPU": {"total": 8.5}},
    {"VCPU": {}},
    {"VCPU": {"total": 8, "reserved": -1}},
    {"VCPU": {"total": 8, "min_unit": 0}},
    {"VCPU": {"total": 8, "max_unit": 0}},
    {"VCPU": {"total": 8, "step_size": 0}},
    {"VCPU": {"total": 8, "allocation_ratio": 0}},
    {"VCPU": {"total": 8, "allocation_ratio": -1.5}},
    {"VCPU": {"total": 8, "allocation_ratio": "1.0"}},
    {"VCPU": {"total": 8, "allocation_ratio": 1e39}},
    {"VCPU": {"total": 8, "extra": 1}},
    {"VCPU": {"total": 8, "reserved": 9}},
    {"VCPU": {"total": 8, "min_unit": 4, "max_unit": 2}},
    {"VCPU": 8},
    {"vcpu": {"total": 8}},
    {"": {"total": 8}},
    {"CUSTOM_NOPE": {"total": 8}},
    {"VCPU": {"total": 8}, "CUSTOM_NOPE": {"total": 8}},
])
def test_bad_inventories_are_400_and_write_nothing(placement, rp, inventories):
    resp = _put_all(placement, 0, inventories)
    assert resp.status == 400, resp
    assert resp.error_code == "placement.undefined_code"
    assert _unchanged(placement, 0, {})


def test_unknown_class_message(placement, rp):
    resp = _put_all(placement, 0, {"CUSTOM_NOPE": {"total": 8}})
    assert "Unknown resource class" in resp.error_detail and "CUSTOM_NOPE" in resp.error_detail


@pytest.mark.parametrize("body", [
    {"inventories": {}},
    {"resource_provider_generation": 0},
    {"resource_provider_generation": "0", "inventories": {}},
    {"resource_provider_generation": 0, "inventories": []},
    {"resource_provider_generation": 0, "inventories": {}, "extra": 1},
    [],
])
def test_bad_put_bodies(placement, rp, body):
    resp = placement.put(INV, json=body)
    assert resp.status == 400, resp
    assert _unchanged(placement, 0, {})


def test_malformed_json_and_wrong_media_type(placement, rp):
    for method, path in (("PUT", INV), ("POST", INV), ("PUT", INV + "/VCPU")):
        malformed = placement.request(method, path, data=b"{nope",
                                      headers={"Content-Type": "application/json"})
        assert malformed.status == 400 and "Malformed JSON" in malformed.error_detail
        wrong = placement.request(method, path, data=b"{}", headers={"Content-Type": "text/plain"})
        assert wrong.status == 415
    assert _unchanged(placement, 0, {})


def test_reserved_may_equal_total_from_1_26(placement, rp):
    full = {"VCPU": {"total": 8, "reserved": 8}}
    before = _put_all(placement, 0, full, version="1.25")
    assert before.status == 400
    assert "greater than or equal to total" in before.error_detail
    assert _put_all(placement, 0, full, version="1.26").status == 200
    over = _put_all(placement, 1, {"VCPU": {"total": 8, "reserved": 9}}, version="1.26")
    assert over.status == 400
    single = placement.put(INV + "/VCPU", json={"resource_provider_generation": 1, "total": 4,
                                                "reserved": 4}, version="1.25")
    assert single.status == 400


# -- one record: create, update, delete -----------------------------------------------

def test_post_creates_one(placement, rp):
    resp = placement.post(INV, json={"resource_provider_generation": 0,
                                     "resource_class": "DISK_GB", "total": 100, "reserved": 2},
                          version="1.0")
    assert resp.status == 201
    assert resp.headers["Location"] == f"{placement.base_url}{INV}/DISK_GB"
    assert resp.json == {**DEFAULTS, "total": 100, "reserved": 2,
                         "resource_provider_generation": 1}
    assert placement.get(INV).json["inventories"]["DISK_GB"]["total"] == 100


@pytest.mark.parametrize("generation", [{}, {"resource_provider_generation": 7},
                                        {"resource_provider_generation": 0}])
def test_post_generation_is_optional_and_unchecked(placement, rp, generation):
    placement.set_inventory(U1, {"VCPU": 8})
    resp = placement.post(INV, json={**generation, "resource_class": "DISK_GB", "total": 10})
    assert resp.status == 201, resp
    assert resp.headers["Location"] == f"{placement.base_url}{INV}/DISK_GB"
    assert resp.json == {**DEFAULTS, "total": 10, "resource_provider_generation": 2}
    assert _unchanged(placement, 2, {"VCPU": {**DEFAULTS, "total": 8},
                                     "DISK_GB": {**DEFAULTS, "total": 10}})


def test_post_location_is_absolute_and_gettable(placement, rp):
    resp = placement.post(INV, json={"resource_class": "VCPU", "total": 4})
    assert resp.status == 201
    location = resp.headers["Location"]
    assert location.startswith(("http://", "https://"))
    assert location.endswith(f"{INV}/VCPU")
    again = placement.session.get(location, headers=placement.default_headers, timeout=60)
    assert again.status_code == 200 and again.json()["total"] == 4


def test_post_of_a_present_class_is_409(placement, rp):
    placement.set_inventory(U1, {"DISK_GB": 100})
    resp = placement.post(INV, json={"resource_provider_generation": 1,
                                     "resource_class": "DISK_GB", "total": 5})
    assert resp.status == 409
    assert resp.error_code == "placement.concurrent_update"
    assert "already exists" in resp.error_detail
    assert _unchanged(placement, 1, {"DISK_GB": {**DEFAULTS, "total": 100}})


@pytest.mark.parametrize("body", [
    {"resource_provider_generation": 0, "total": 1},
    {"resource_provider_generation": 0, "resource_class": "vcpu", "total": 1},
    {"resource_provider_generation": 0, "resource_class": "CUSTOM_NOPE", "total": 1},
    {"resource_provider_generation": 0, "resource_class": "VCPU"},
    {"resource_provider_generation": "0", "resource_class": "VCPU", "total": 1},
    {"resource_provider_generation": 0, "resource_class": "VCPU", "total": 1, "x": 1},
    {"resource_provider_generation": 0, "resource_class": "VCPU", "total": 1, "reserved": 2},
])
def test_bad_post_bodies(placement, rp, body):
    resp = placement.post(INV, json=body)
    assert resp.status == 400, resp
    assert _unchanged(placement, 0, {})


def test_put_one_updates(placement, rp):
    placement.set_inventory(U1, {"VCPU": 8, "MEMORY_MB": 1024})
    resp = placement.put(INV + "/VCPU", json={"resource_provider_generation": 1, "total": 16,
                                              "allocation_ratio": 2.0}, version="1.0")
    assert resp.status == 200
    assert resp.json == {**DEFAULTS, "total": 16, "allocation_ratio": 2.0,
                         "resource_provider_generation": 2}
    assert placement.get(INV).json["inventories"]["MEMORY_MB"]["total"] == 1024


@pytest.mark.parametrize("name", ["DISK_GB", "CUSTOM_NOPE"])
def test_put_one_without_a_record_is_400(placement, rp, name):
    placement.set_inventory(U1, {"VCPU": 8})
    resp = placement.put(f"{INV}/{name}", json={"resource_provider_generation": 1, "total": 1})
    assert resp.status == 400
    assert _unchanged(placement, 1, {"VCPU": {**DEFAULTS, "total": 8}})


@pytest.mark.parametrize("body", [
    {"total": 1},
    {"resource_provider_generation": 1},
    {"resource_provider_generation": 1, "total": 1, "resource_class": "VCPU"},
    {"resource_provider_generation": 1, "total": 0},
    {"resource_provider_generation": 1, "total": 4, "min_unit": 5, "max_unit": 4},
])
def test_bad_put_one_bodies(placement, rp, body):
    placement.set_inventory(U1, {"VCPU": 8})
    resp = placement.put(INV + "/VCPU", json=body)
    assert resp.status == 400, resp
    assert _unchanged(placement, 1, {"VCPU": {**DEFAULTS, "total": 8}})


def test_delete_one(placement, rp):
    placement.set_inventory(U1, {"VCPU": 8, "MEMORY_MB": 1024})
    assert placement.delete(INV + "/VCPU", version="1.0").status == 204
    assert _unchanged(placement, 2, {"MEMORY_MB": {**DEFAULTS, "total": 1024}})
    missing = placement.delete(INV + "/VCPU")
    assert missing.status == 404
    assert _generation(placement) == 2


def test_delete_all_from_1_5(placement, rp):
    placement.set_inventory(U1, {"VCPU": 8, "MEMORY_MB": 1024})
    before = placement.delete(INV, version="1.4")
    assert before.status == 405
    assert _generation(placement) == 1
    assert placement.delete(INV, version="1.5").status == 204
    assert _unchanged(placement, 2, {})
    assert placement.delete(INV, version="1.5").status == 204
    assert _generation(placement) == 3


# -- usage against inventory ------------------------------------------------------------

@pytest.fixture
def used(placement, placement_database, rp):
    """VCPU 8 with 4 allocated; MEMORY_MB unused."""
    placement.set_inventory(U1, {"VCPU": 8, "MEMORY_MB": 1024})
    allocate(placement_database, U1, {"VCPU": 4})
    return {"VCPU": {**DEFAULTS, "total": 8}, "MEMORY_MB": {**DEFAULTS, "total": 1024}}


def test_inventory_with_allocations_cannot_be_removed(placement, used):
    attempts = [
        lambda: placement.delete(INV + "/VCPU"),
        lambda: placement.delete(INV),
        lambda: _put_all(placement, 1, {"MEMORY_MB": {"total": 1024}}),
        lambda: _put_all(placement, 1, {}),
    ]
    for attempt in attempts:
        resp = attempt()
        assert resp.status == 409, resp
        assert resp.error_code == "placement.inventory.inuse"
        assert "VCPU" in resp.error_detail
        assert _unchanged(placement, 1, used)
    assert placement.delete(INV + "/MEMORY_MB").status == 204


@pytest.mark.parametrize("change", [
    {"total": 3},
    {"total": 8, "reserved": 5},
    {"total": 8, "allocation_ratio": 0.25},
])
def test_capacity_may_drop_below_usage(placement, used, change):
    # OpenStack Placement accepts it (and logs a warning): an operator must
    # be able to take resources out of use while instances still hold them.
    resp = placement.put(INV + "/VCPU", json={"resource_provider_generation": 1, **change})
    assert resp.status == 200, resp
    assert placement.get(f"/resource_providers/{U1}/usages").json["usages"]["VCPU"] == 4
    whole = _put_all(placement, 2, {"VCPU": change, "MEMORY_MB": {"total": 1024}})
    assert whole.status == 200, whole


def test_capacity_may_shrink_down_to_usage(placement, used):
    resp = placement.put(INV + "/VCPU", json={"resource_provider_generation": 1, "total": 6,
                                              "reserved": 2})
    assert resp.status == 200
    shrunk = placement.put(INV + "/VCPU", json={"resource_provider_generation": 2, "total": 2,
                                                "allocation_ratio": 2.0})
    assert shrunk.status == 200


# -- concurrency ----------------------------------------------------------------------

def _in_parallel(placement, calls):
    """Run each ``call(client)`` at once, each with its own HTTP session."""
    clients = [PlacementClient(placement.base_url) for _ in calls]
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda pair: pair[0](pair[1]), zip(calls, clients)))


def test_writers_with_the_same_generation_exactly_one_wins(placement, rp):
    def writer(total):
        return lambda client: client.put(INV, json={"resource_provider_generation": 0,
                                                    "inventories": {"VCPU": {"total": total}}})
    results = _in_parallel(placement, [writer(n) for n in range(1, 9)])
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [409] * 7, results
    assert all(r.error_code == "placement.concurrent_update" for r in results if r.status == 409)
    winner = next(r for r in results if r.status == 200)
    assert _unchanged(placement, 1, winner.json["inventories"])


def test_posts_of_different_classes_with_the_same_generation_all_land(placement, rp):
    # POST does not check the generation it is sent: every class lands.
    def poster(name):
        return lambda client: client.post(INV, json={"resource_provider_generation": 0,
                                                     "resource_class": name, "total": 1})
    results = _in_parallel(placement, [poster(n) for n in ("VCPU", "MEMORY_MB", "DISK_GB")])
    assert sorted(r.status for r in results) == [201, 201, 201], results
    assert _unchanged(placement, 3, {n: {**DEFAULTS, "total": 1}
                                     for n in ("VCPU", "MEMORY_MB", "DISK_GB")})


def test_deletes_without_generation_all_succeed(placement, rp):
    names = ["VCPU", "MEMORY_MB", "DISK_GB", "IPV4_ADDRESS"]
    placement.set_inventory(U1, {n: 8 for n in names})
    results = _in_parallel(placement, [
        (lambda name: lambda client: client.delete(f"{INV}/{name}"))(n) for n in names])
    assert [r.status for r in results] == [204] * len(names), results
    assert _unchanged(placement, 1 + len(names), {})


def test_shrinking_while_claims_arrive_never_overcommits(placement, rp):
    placement.set_inventory(U1, {"VCPU": 10})

    def claim(client):
        return client.put(f"/allocations/{uuid.uuid4()}", version="1.38", json={
            "allocations": {U1: {"resources": {"VCPU": 1}}}, "project_id": "p",
            "user_id": "u", "consumer_generation": None, "consumer_type": "INSTANCE"})

    def shrink(client):
        while True:
            generation = client.get(f"/resource_providers/{U1}").json["generation"]
            resp = client.put(INV + "/VCPU", json={"resource_provider_generation": generation,
                                                   "total": 5})
            if resp.error_code != "placement.concurrent_update":
                return resp

    results = _in_parallel(placement, [claim] * 8 + [shrink])
    assert all(r.status in (204, 409) for r in results[:8]), results
    # The shrink always lands (capacity below usage is accepted); no claim
    # ever lands on capacity it did not see.
    assert results[-1].status == 200, results[-1]
    assert placement.get(INV + "/VCPU").json["total"] == 5
    used = placement.get(f"/resource_providers/{U1}/usages").json["usages"]["VCPU"]
    assert used <= 10
