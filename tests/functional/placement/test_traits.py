"""/traits and /resource_providers/{uuid}/traits: every microversion window
and every error the API reference lists."""
import concurrent.futures
import email.utils

import os_traits
import pytest

from tests.fixtures.placement import PlacementClient

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
MISSING = "99999999-9999-4999-8999-999999999999"
STANDARD = "HW_CPU_X86_AVX2"


def _traits_of(placement, uuid, **kw):
    resp = placement.get(f"/resource_providers/{uuid}/traits", **kw)
    assert resp.status == 200, resp
    return resp.json


def _set_traits(placement, uuid, traits, generation=None, **kw):
    if generation is None:
        generation = _traits_of(placement, uuid)["resource_provider_generation"]
    return placement.put(f"/resource_providers/{uuid}/traits",
                         json={"traits": traits, "resource_provider_generation": generation}, **kw)


# -- microversion window --------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/traits"),
    ("GET", f"/traits/{STANDARD}"),
    ("PUT", "/traits/CUSTOM_OLD"),
    ("DELETE", "/traits/CUSTOM_OLD"),
    ("GET", f"/resource_providers/{U1}/traits"),
    ("PUT", f"/resource_providers/{U1}/traits"),
    ("DELETE", f"/resource_providers/{U1}/traits"),
])
def test_absent_before_1_6(placement, method, path):
    placement.create_provider("rp1", uuid=U1)
    kwargs = {"json": {"traits": [], "resource_provider_generation": 0}} if method == "PUT" \
        and "resource_providers" in path else {}
    resp = placement.request(method, path, version="1.5", **kwargs)
    assert resp.status == 404, resp
    # Nothing was created or changed by the refused requests.
    assert placement.get("/traits/CUSTOM_OLD").status == 404
    assert placement.get(f"/resource_providers/{U1}").json["generation"] == 0


def test_no_version_header_means_1_0(placement):
    assert placement.get("/traits", version=None).status == 404
    assert placement.get("/traits", version="1.6").status == 200


# -- GET /traits --------------------------------------------------------------------

def test_list_has_every_standard_trait(placement):
    resp = placement.get("/traits", version="1.6")
    assert resp.status == 200
    names = resp.json["traits"]
    assert set(os_traits.get_traits()) <= set(names)
    assert names == sorted(names)
    # Before 1.15 no caching headers.
    assert "Last-Modified" not in resp.headers and "Cache-Control" not in resp.headers


def test_list_startswith(placement):
    placement.put("/traits/CUSTOM_FOO")
    placement.put("/traits/CUSTOM_FOOBAR")
    placement.put("/traits/CUSTOM_BAR")
    resp = placement.get("/traits", params={"name": "startswith:CUSTOM_FOO"})
    assert resp.json["traits"] == ["CUSTOM_FOO", "CUSTOM_FOOBAR"]
    all_custom = placement.get("/traits", params={"name": "startswith:CUSTOM"}).json["traits"]
    assert all_custom == ["CUSTOM_BAR", "CUSTOM_FOO", "CUSTOM_FOOBAR"]
    hw = placement.get("/traits", params={"name": "startswith:HW_CPU_"}).json["traits"]
    assert set(hw) == {t for t in os_traits.get_traits() if t.startswith("HW_CPU_")}
    # Case matters and "_" is not a wildcard, on every backend.
    assert placement.get("/traits", params={"name": "startswith:custom_"}).json["traits"] == []
    assert placement.get("/traits", params={"name": "startswith:CUSTOM_F_O"}).json["traits"] == []
    assert placement.get("/traits", params={"name": "startswith:%"}).json["traits"] == []


def test_list_in(placement):
    placement.put("/traits/CUSTOM_A")
    resp = placement.get("/traits", params={"name": f"in:CUSTOM_A,{STANDARD},CUSTOM_NOPE"})
    assert resp.status == 200
    assert resp.json["traits"] == ["CUSTOM_A", STANDARD]
    spaced = placement.get("/traits", params={"name": f"in: CUSTOM_A , {STANDARD}"})
    assert spaced.json["traits"] == ["CUSTOM_A", STANDARD]
    assert placement.get("/traits", params={"name": "in:"}).json["traits"] == []


def test_list_associated(placement):
    placement.create_provider("rp1", uuid=U1)
    placement.put("/traits/CUSTOM_USED")
    placement.put("/traits/CUSTOM_FREE")
    assert _set_traits(placement, U1, ["CUSTOM_USED", STANDARD]).status == 200
    used = placement.get("/traits", params={"associated": "true"}).json["traits"]
    assert used == ["CUSTOM_USED", STANDARD]
    free = placement.get("/traits", params={"associated": "false"}).json["traits"]
    assert "CUSTOM_FREE" in free and "CUSTOM_USED" not in free and STANDARD not in free
    both = placement.get("/traits", params={"associated": "true",
                                            "name": "startswith:CUSTOM_"}).json["traits"]
    assert both == ["CUSTOM_USED"]
    # Any case: osc-placement's --associated sends "True".
    assert placement.get("/traits", params={"associated": "True"}).json["traits"] == used
    assert placement.get("/traits", params={"associated": "FALSE"}).json["traits"] == free
    free_custom = placement.get("/traits", params={"associated": "false",
                                                   "name": "in:CUSTOM_USED,CUSTOM_FREE"})
    assert free_custom.json["traits"] == ["CUSTOM_FREE"]


@pytest.mark.parametrize("params", [
    {"name": "CUSTOM_FOO"},
    {"name": "begins:CUSTOM"},
    {"associated": "yes"},
    {"associated": "1"},
    {"associated": ""},
    {"other": "x"},
    [("name", "in:A"), ("name", "in:B")],
    [("associated", "true"), ("associated", "false")],
])
def test_list_bad_query(placement, params):
    resp = placement.get("/traits", params=params)
    assert resp.status == 400, resp
    assert resp.error_code == "placement.undefined_code"


def test_list_last_modified_from_1_15(placement):
    resp = placement.get("/traits", version="1.15")
    assert resp.headers["Cache-Control"] == "no-cache"
    assert email.utils.parsedate_to_datetime(resp.headers["Last-Modified"])
    assert "Last-Modified" not in placement.get("/traits", version="1.14").headers


# -- GET /traits/{name} -------------------------------------------------------------

def test_show_trait(placement):
    resp = placement.get(f"/traits/{STANDARD}", version="1.6")
    assert resp.status == 204
    assert resp.text == ""
    assert "Last-Modified" not in resp.headers
    missing = placement.get("/traits/CUSTOM_MISSING")
    assert missing.status == 404
    assert missing.error_code == "placement.undefined_code"
    assert "CUSTOM_MISSING" in missing.error_detail
    # Any string may be asked about; names that cannot exist are simply absent.
    assert placement.get("/traits/lower_case").status == 404


def test_show_last_modified_from_1_15(placement):
    placement.put("/traits/CUSTOM_SHOWN")
    resp = placement.get("/traits/CUSTOM_SHOWN", version="1.15")
    assert resp.status == 204
    assert resp.headers["Cache-Control"] == "no-cache"
    assert email.utils.parsedate_to_datetime(resp.headers["Last-Modified"])
    standard = placement.get(f"/traits/{STANDARD}", version="1.15")
    assert "Last-Modified" in standard.headers


# -- PUT /traits/{name} -------------------------------------------------------------

def test_put_creates_then_verifies(placement):
    first = placement.put("/traits/CUSTOM_NEW", version="1.6")
    assert first.status == 201
    assert first.headers["Location"].endswith("/traits/CUSTOM_NEW")
    assert first.text == ""
    assert "Last-Modified" not in first.headers
    again = placement.put("/traits/CUSTOM_NEW", version="1.6")
    assert again.status == 204
    assert again.headers["Location"].endswith("/traits/CUSTOM_NEW")
    assert placement.get("/traits/CUSTOM_NEW").status == 204
    assert "CUSTOM_NEW" in placement.get("/traits").json["traits"]


def test_put_last_modified_from_1_15(placement):
    created = placement.put("/traits/CUSTOM_LM", version="1.15")
    assert created.status == 201
    assert created.headers["Cache-Control"] == "no-cache"
    stamp = email.utils.parsedate_to_datetime(created.headers["Last-Modified"])
    verified = placement.put("/traits/CUSTOM_LM", version="1.15")
    assert verified.status == 204
    assert email.utils.parsedate_to_datetime(verified.headers["Last-Modified"]) == stamp


@pytest.mark.parametrize("name", [
    STANDARD,                      # standard traits cannot be created or changed
    "NOT_CUSTOM",
    "CUSTOM_lower",
    "CUSTOM_",
    "CUSTOM_A-B",
    "custom_a",
    "CUSTOM_" + "A" * 249,         # 256 characters
])
def test_put_only_custom_names(placement, name):
    resp = placement.put(f"/traits/{name}")
    assert resp.status == 400, resp
    assert resp.error_code == "placement.undefined_code"
    assert "CUSTOM_" in resp.error_detail


def test_put_longest_name(placement):
    name = "CUSTOM_" + "A" * 248     # 255 characters
    assert placement.put(f"/traits/{name}").status == 201
    assert placement.get(f"/traits/{name}").status == 204


def test_concurrent_puts_create_once(placement):
    def put(_):
        return placement.put("/traits/CUSTOM_RACE").status
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(put, range(8)))
    assert statuses == [201] + [204] * 7


# -- DELETE /traits/{name} ----------------------------------------------------------

def test_delete_custom_trait(placement):
    placement.put("/traits/CUSTOM_GONE")
    resp = placement.delete("/traits/CUSTOM_GONE", version="1.6")
    assert resp.status == 204 and resp.text == ""
    assert placement.get("/traits/CUSTOM_GONE").status == 404
    again = placement.delete("/traits/CUSTOM_GONE")
    assert again.status == 404
    assert again.error_code == "placement.undefined_code"


def test_delete_standard_trait_is_400(placement):
    resp = placement.delete(f"/traits/{STANDARD}")
    assert resp.status == 400
    assert resp.error_code == "placement.undefined_code"
    assert placement.get(f"/traits/{STANDARD}").status == 204


def test_delete_trait_in_use_is_409(placement):
    placement.create_provider("rp1", uuid=U1)
    placement.put("/traits/CUSTOM_BUSY")
    assert _set_traits(placement, U1, ["CUSTOM_BUSY"]).status == 200
    resp = placement.delete("/traits/CUSTOM_BUSY")
    assert resp.status == 409
    assert resp.error_code == "placement.undefined_code"
    assert "CUSTOM_BUSY" in resp.error_detail
    assert placement.delete(f"/resource_providers/{U1}/traits").status == 204
    assert placement.delete("/traits/CUSTOM_BUSY").status == 204


def test_error_code_only_from_1_23(placement):
    old = placement.delete(f"/traits/{STANDARD}", version="1.22")
    assert old.status == 400 and "code" not in old.json["errors"][0]
    new = placement.delete(f"/traits/{STANDARD}", version="1.23")
    assert new.error_code == "placement.undefined_code"


# -- GET /resource_providers/{uuid}/traits --------------------------------------

def test_new_provider_has_no_traits(placement):
    placement.create_provider("rp1", uuid=U1)
    resp = placement.get(f"/resource_providers/{U1}/traits", version="1.6")
    assert resp.status == 200
    assert resp.json == {"traits": [], "resource_provider_generation": 0}
    assert "Last-Modified" not in resp.headers


def test_provider_traits_missing_provider_is_404(placement):
    for method, kw in (("GET", {}), ("DELETE", {}),
                       ("PUT", {"json": {"traits": [], "resource_provider_generation": 0}})):
        resp = placement.request(method, f"/resource_providers/{MISSING}/traits", **kw)
        assert resp.status == 404, (method, resp)
        assert resp.error_code == "placement.resource_provider.not_found"
    assert placement.get("/resource_providers/not-a-uuid/traits").status == 404


def test_provider_traits_last_modified_from_1_15(placement):
    placement.create_provider("rp1", uuid=U1)
    resp = placement.get(f"/resource_providers/{U1}/traits", version="1.15")
    assert resp.headers["Cache-Control"] == "no-cache"
    assert email.utils.parsedate_to_datetime(resp.headers["Last-Modified"])
    put = _set_traits(placement, U1, [STANDARD], version="1.15")
    assert put.status == 200 and "Last-Modified" in put.headers
    assert "Last-Modified" not in _set_traits(placement, U1, [], version="1.14").headers


# -- PUT /resource_providers/{uuid}/traits ----------------------------------------

def test_put_replaces_the_set_and_bumps_generation(placement):
    placement.create_provider("rp1", uuid=U1)
    placement.put("/traits/CUSTOM_X")
    placement.put("/traits/CUSTOM_Y")
    resp = _set_traits(placement, U1, ["CUSTOM_X", STANDARD], generation=0, version="1.6")
    assert resp.status == 200
    assert resp.json == {"traits": ["CUSTOM_X", STANDARD], "resource_provider_generation": 1}
    assert _traits_of(placement, U1) == resp.json
    assert placement.get(f"/resource_providers/{U1}").json["generation"] == 1

    replaced = _set_traits(placement, U1, ["CUSTOM_Y", STANDARD], generation=1)
    assert replaced.json == {"traits": ["CUSTOM_Y", STANDARD], "resource_provider_generation": 2}
    same = _set_traits(placement, U1, ["CUSTOM_Y", STANDARD], generation=2)
    assert same.json["resource_provider_generation"] == 3   # a write even if nothing changed
    duplicates = _set_traits(placement, U1, ["CUSTOM_Y", "CUSTOM_Y"], generation=3)
    assert duplicates.json == {"traits": ["CUSTOM_Y"], "resource_provider_generation": 4}
    emptied = _set_traits(placement, U1, [], generation=4)
    assert emptied.json == {"traits": [], "resource_provider_generation": 5}


def test_put_only_touches_that_provider(placement):
    placement.create_provider("rp1", uuid=U1)
    placement.create_provider("rp2", uuid=U2)
    _set_traits(placement, U1, [STANDARD])
    _set_traits(placement, U2, [STANDARD, "HW_CPU_X86_SSE"])
    _set_traits(placement, U1, [])
    assert _traits_of(placement, U2)["traits"] == [STANDARD, "HW_CPU_X86_SSE"]
    assert _traits_of(placement, U2)["resource_provider_generation"] == 1


def test_provider_traits_filter_providers(placement):
    """The association is what GET /resource_providers?required= reads."""
    placement.create_provider("rp1", uuid=U1)
    placement.create_provider("rp2", uuid=U2)
    _set_traits(placement, U1, [STANDARD])
    resp = placement.get("/resource_providers", params={"required": STANDARD}, version="1.18")
    assert [p["uuid"] for p in resp.json["resource_providers"]] == [U1]


def test_put_stale_generation_is_409(placement):
    placement.create_provider("rp1", uuid=U1)
    assert _set_traits(placement, U1, [STANDARD], generation=0).status == 200
    for version in ("1.6", "1.23"):
        resp = _set_traits(placement, U1, [], generation=0, version=version)
        assert resp.status == 409, resp
    assert resp.error_code == "placement.concurrent_update"
    ahead = _set_traits(placement, U1, [], generation=7)
    assert ahead.status == 409 and ahead.error_code == "placement.concurrent_update"
    assert _traits_of(placement, U1) == {"traits": [STANDARD], "resource_provider_generation": 1}


def test_put_unknown_trait_is_400_and_changes_nothing(placement):
    placement.create_provider("rp1", uuid=U1)
    resp = _set_traits(placement, U1, [STANDARD, "CUSTOM_NOPE", "CUSTOM_NADA"], generation=0)
    assert resp.status == 400
    assert resp.error_code == "placement.undefined_code"
    assert "CUSTOM_NADA" in resp.error_detail and "CUSTOM_NOPE" in resp.error_detail
    # Unknown traits are reported before a stale generation.
    stale = _set_traits(placement, U1, ["CUSTOM_NOPE"], generation=5)
    assert stale.status == 400
    assert _traits_of(placement, U1) == {"traits": [], "resource_provider_generation": 0}


@pytest.mark.parametrize("body", [
    {},
    {"traits": [STANDARD]},
    {"resource_provider_generation": 0},
    {"traits": STANDARD, "resource_provider_generation": 0},
    {"traits": [STANDARD], "resource_provider_generation": "0"},
    {"traits": [STANDARD], "resource_provider_generation": None},
    {"traits": [STANDARD], "resource_provider_generation": True},
    {"traits": ["lower"], "resource_provider_generation": 0},
    {"traits": [""], "resource_provider_generation": 0},
    {"traits": [5], "resource_provider_generation": 0},
    {"traits": ["CUSTOM_" + "A" * 249], "resource_provider_generation": 0},
    {"traits": [], "resource_provider_generation": 0, "extra": 1},
    [],
])
def test_put_bad_bodies(placement, body):
    placement.create_provider("rp1", uuid=U1)
    resp = placement.put(f"/resource_providers/{U1}/traits", json=body)
    assert resp.status == 400, (body, resp)
    assert resp.error_code == "placement.undefined_code"
    assert "JSON does not validate" in resp.error_detail


def test_put_malformed_and_wrong_media_type(placement):
    placement.create_provider("rp1", uuid=U1)
    path = f"/resource_providers/{U1}/traits"
    malformed = placement.put(path, data=b"{nope", headers={"Content-Type": "application/json"})
    assert malformed.status == 400 and "Malformed JSON" in malformed.error_detail
    wrong = placement.put(path, data=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong.status == 415


def test_concurrent_puts_with_one_generation_let_one_win(placement):
    placement.create_provider("rp1", uuid=U1)
    names = [f"CUSTOM_T{i}" for i in range(6)]
    for name in names:
        placement.put(f"/traits/{name}")

    def put(name):
        return _set_traits(placement, U1, [name], generation=0)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(put, names))
    statuses = sorted(r.status for r in results)
    assert statuses == [200] + [409] * 5, results
    assert all(r.error_code == "placement.concurrent_update" for r in results if r.status == 409)
    winner = next(r for r in results if r.status == 200).json
    assert _traits_of(placement, U1) == winner
    assert winner["resource_provider_generation"] == 1


# -- DELETE /resource_providers/{uuid}/traits -------------------------------------

def test_delete_provider_traits(placement):
    placement.create_provider("rp1", uuid=U1)
    _set_traits(placement, U1, [STANDARD, "HW_CPU_X86_SSE"])
    resp = placement.delete(f"/resource_providers/{U1}/traits", version="1.6")
    assert resp.status == 204 and resp.text == ""
    assert _traits_of(placement, U1) == {"traits": [], "resource_provider_generation": 2}
    # Deleting an empty set is still a write.
    assert placement.delete(f"/resource_providers/{U1}/traits").status == 204
    assert _traits_of(placement, U1)["resource_provider_generation"] == 3


def test_concurrent_deletes_all_succeed(placement):
    placement.create_provider("rp1", uuid=U1)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(
            lambda _: placement.delete(f"/resource_providers/{U1}/traits").status, range(4)))
    assert statuses == [204] * 4
    assert _traits_of(placement, U1)["resource_provider_generation"] == 4


def test_deleting_provider_removes_its_traits(placement):
    placement.create_provider("rp1", uuid=U1)
    placement.put("/traits/CUSTOM_ONCE")
    _set_traits(placement, U1, ["CUSTOM_ONCE"])
    assert placement.delete(f"/resource_providers/{U1}").status == 204
    assert placement.delete("/traits/CUSTOM_ONCE").status == 204


# -- policy ---------------------------------------------------------------------

def test_members_cannot_use_traits(placement):
    placement.create_provider("rp1", uuid=U1)
    member = placement.as_user()
    assert member.get("/traits").status == 403
    assert member.get(f"/traits/{STANDARD}").status == 403
    assert member.put("/traits/CUSTOM_NO").status == 403
    assert member.delete("/traits/CUSTOM_NO").status == 403
    assert member.get(f"/resource_providers/{U1}/traits").status == 403
    put = member.put(f"/resource_providers/{U1}/traits",
                     json={"traits": [], "resource_provider_generation": 0})
    assert put.status == 403
    assert member.delete(f"/resource_providers/{U1}/traits").status == 403
    assert placement.get("/traits/CUSTOM_NO").status == 404


def test_service_role_may_use_traits(placement):
    placement.create_provider("rp1", uuid=U1)
    service = placement.as_user(roles="service")
    assert service.put("/traits/CUSTOM_SVC").status == 201
    assert _set_traits(service, U1, ["CUSTOM_SVC"]).status == 200


def test_missing_token_is_401(placement):
    anonymous = PlacementClient(placement.base_url, headers={})
    assert anonymous.get("/traits").status == 401
