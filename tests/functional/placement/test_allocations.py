"""/allocations, /allocations/{consumer_uuid} and
/resource_providers/{uuid}/allocations across their microversion windows."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from nubes.placement import models
from nubes.placement.repo import allocations as allocation_repo
from nubes.placement.repo import providers as provider_repo
from nubes.placement.repo import consumers as consumer_repo

INCOMPLETE = "00000000-0000-0000-0000-000000000000"
PROJECT = "7e67cbf7-7c38-4a32-b85b-0739c690991a"
USER = "067f691e-725a-451a-83e2-5c3d13e1dffc"


def new_uuid() -> str:
    return str(uuid.uuid4())


def provider(placement, name: str, **inventory) -> str:
    """A provider with the given inventory (class -> total or record)."""
    rp = placement.create_provider(name)["uuid"]
    if inventory:
        placement.set_inventory(rp, inventory)
    return rp


def body(allocations: dict, *, generation=None, consumer_type="INSTANCE",
         project=PROJECT, user=USER) -> dict:
    """A 1.38+ PUT body for {rp_uuid: {RC: n}}."""
    return {"allocations": {rp: {"resources": res} for rp, res in allocations.items()},
            "project_id": project, "user_id": user,
            "consumer_generation": generation, "consumer_type": consumer_type}


def put(placement, consumer: str, allocations: dict, **kw):
    return placement.put(f"/allocations/{consumer}", json=body(allocations, **kw))


def generation_of(placement, rp: str) -> int:
    return placement.get(f"/resource_providers/{rp}").json["generation"]


def row_counts(db) -> tuple[int, int]:
    with db.engine.connect() as conn:
        return (conn.scalar(sa.select(sa.func.count()).select_from(models.allocations)),
                conn.scalar(sa.select(sa.func.count()).select_from(models.consumers)))


def assert_error(resp, status: int, code: str = "placement.undefined_code") -> None:
    assert resp.status == status, resp
    error = resp.json["errors"][0]
    assert error["status"] == status
    assert error.get("code", code) == code  # codes start at 1.23
    assert error["title"] and error["detail"] and error["request_id"]


# -- reading ---------------------------------------------------------------

def test_unknown_consumer_has_empty_allocations(placement):
    for version in ("1.0", "1.12", "1.28", "1.38"):
        resp = placement.get(f"/allocations/{new_uuid()}", version=version)
        assert resp.status == 200
        assert resp.json == {"allocations": {}}
    assert placement.get("/allocations/not-a-uuid").json == {"allocations": {}}


def test_put_then_get_at_latest(placement):
    rp1 = provider(placement, "cn1", VCPU=8, MEMORY_MB=4096)
    rp2 = provider(placement, "disk", DISK_GB=100)
    consumer = new_uuid()
    resp = put(placement, consumer, {rp1: {"VCPU": 2, "MEMORY_MB": 512}, rp2: {"DISK_GB": 5}})
    assert resp.status == 204, resp
    got = placement.get(f"/allocations/{consumer}")
    assert got.status == 200
    assert got.json == {
        "allocations": {
            rp1: {"generation": generation_of(placement, rp1),
                  "resources": {"VCPU": 2, "MEMORY_MB": 512}},
            rp2: {"generation": generation_of(placement, rp2),
                  "resources": {"DISK_GB": 5}},
        },
        "project_id": PROJECT, "user_id": USER,
        "consumer_generation": 1, "consumer_type": "INSTANCE",
    }
    assert got.headers["Cache-Control"] == "no-cache"
    assert "Last-Modified" in got.headers


def test_get_fields_follow_the_microversion(placement):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 1}}).status == 204
    old = placement.get(f"/allocations/{consumer}", version="1.11").json
    assert set(old) == {"allocations"}
    assert set(placement.get(f"/allocations/{consumer}", version="1.12").json) == {
        "allocations", "project_id", "user_id"}
    assert set(placement.get(f"/allocations/{consumer}", version="1.28").json) == {
        "allocations", "project_id", "user_id", "consumer_generation"}
    resp = placement.get(f"/allocations/{consumer}", version="1.14")
    assert "Last-Modified" not in resp.headers


def test_provider_allocations(placement):
    rp = provider(placement, "cn1", VCPU=8, MEMORY_MB=1024)
    a, b = new_uuid(), new_uuid()
    assert put(placement, a, {rp: {"VCPU": 2, "MEMORY_MB": 256}}).status == 204
    assert put(placement, b, {rp: {"VCPU": 1}}).status == 204
    resp = placement.get(f"/resource_providers/{rp}/allocations")
    assert resp.status == 200
    assert resp.json == {
        "resource_provider_generation": generation_of(placement, rp),
        "allocations": {
            a: {"resources": {"VCPU": 2, "MEMORY_MB": 256}, "consumer_generation": 1},
            b: {"resources": {"VCPU": 1}, "consumer_generation": 1},
        },
    }
    old = placement.get(f"/resource_providers/{rp}/allocations", version="1.27").json
    assert old["allocations"][a] == {"resources": {"VCPU": 2, "MEMORY_MB": 256}}
    empty = provider(placement, "empty")
    assert placement.get(f"/resource_providers/{empty}/allocations").json == {
        "resource_provider_generation": 0, "allocations": {}}
    assert placement.get(f"/resource_providers/{new_uuid()}/allocations").status == 404


# -- the list format and incomplete consumers ----------------------------------

def test_list_format_before_1_12_and_incomplete_consumer(placement):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    listed = {"allocations": [{"resource_provider": {"uuid": rp}, "resources": {"VCPU": 3}}]}
    resp = placement.put(f"/allocations/{consumer}", json=listed, version="1.0")
    assert resp.status == 204, resp
    got = placement.get(f"/allocations/{consumer}", version="1.38").json
    assert got["allocations"][rp]["resources"] == {"VCPU": 3}
    assert got["project_id"] == INCOMPLETE and got["user_id"] == INCOMPLETE
    assert got["consumer_type"] == "unknown"
    # project_id/user_id are not accepted before 1.8 and required from it.
    with_ids = {**listed, "project_id": PROJECT, "user_id": USER}
    assert placement.put(f"/allocations/{consumer}", json=with_ids, version="1.7").status == 400
    assert placement.put(f"/allocations/{consumer}", json=listed, version="1.8").status == 400
    assert placement.put(f"/allocations/{consumer}", json=with_ids, version="1.8").status == 204
    got = placement.get(f"/allocations/{consumer}", version="1.12").json
    assert (got["project_id"], got["user_id"]) == (PROJECT, USER)
    # The list format ends at 1.11, the dict format starts at 1.12.
    assert placement.put(f"/allocations/{consumer}", json=with_ids, version="1.12").status == 400
    as_dict = {"allocations": {rp: {"resources": {"VCPU": 1}}},
               "project_id": PROJECT, "user_id": USER}
    assert placement.put(f"/allocations/{consumer}", json=as_dict, version="1.11").status == 400
    assert placement.put(f"/allocations/{consumer}", json=as_dict, version="1.12").status == 204


def test_replacing_before_1_28_needs_no_generation(placement):
    rp = provider(placement, "cn1", VCPU=4)
    consumer = new_uuid()
    as_dict = {"allocations": {rp: {"resources": {"VCPU": 4}, "generation": 99}},
               "project_id": PROJECT, "user_id": USER}
    for _ in range(3):  # re-allocating what the consumer holds fits
        assert placement.put(f"/allocations/{consumer}", json=as_dict,
                             version="1.27").status == 204
    got = placement.get(f"/allocations/{consumer}", version="1.28").json
    assert got["consumer_generation"] == 3
    assert got["allocations"][rp]["resources"] == {"VCPU": 4}
    # Empty allocations are refused before 1.28.
    empty = {"allocations": {}, "project_id": PROJECT, "user_id": USER}
    assert placement.put(f"/allocations/{consumer}", json=empty, version="1.27").status == 400


# -- consumer generations (1.28) --------------------------------------------

def test_consumer_generation_rules(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    # A new consumer needs null.
    assert_error(put(placement, consumer, {rp: {"VCPU": 1}}, generation=0), 409,
                 "placement.concurrent_update")
    assert row_counts(placement_database) == (0, 0)
    assert put(placement, consumer, {rp: {"VCPU": 1}}).status == 204
    # An existing one needs its current generation.
    assert_error(put(placement, consumer, {rp: {"VCPU": 2}}), 409,
                 "placement.concurrent_update")
    assert_error(put(placement, consumer, {rp: {"VCPU": 2}}, generation=7), 409,
                 "placement.concurrent_update")
    assert put(placement, consumer, {rp: {"VCPU": 2}}, generation=1).status == 204
    got = placement.get(f"/allocations/{consumer}").json
    assert got["consumer_generation"] == 2
    assert got["allocations"][rp]["resources"] == {"VCPU": 2}
    # generation is required from 1.28.
    no_gen = body({rp: {"VCPU": 1}})
    del no_gen["consumer_generation"]
    assert placement.put(f"/allocations/{consumer}", json=no_gen).status == 400


def test_empty_allocations_delete_the_consumer_safely(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 2}}).status == 204
    before = generation_of(placement, rp)
    assert_error(put(placement, consumer, {}, generation=5), 409, "placement.concurrent_update")
    assert put(placement, consumer, {}, generation=1).status == 204
    assert placement.get(f"/allocations/{consumer}").json == {"allocations": {}}
    assert generation_of(placement, rp) == before + 1
    assert row_counts(placement_database) == (0, 0)
    # The consumer is gone: writing again starts from null.
    assert_error(put(placement, consumer, {rp: {"VCPU": 1}}, generation=2), 409,
                 "placement.concurrent_update")
    assert put(placement, consumer, {rp: {"VCPU": 1}}).status == 204
    # Emptying a consumer that never existed is a no-op.
    assert put(placement, new_uuid(), {}).status == 204


# -- capacity and inventory constraints -------------------------------------

def test_capacity_counts_reserved_and_allocation_ratio(placement):
    rp = provider(placement, "cn1", VCPU={"total": 4, "reserved": 1, "allocation_ratio": 2.0})
    first, second = new_uuid(), new_uuid()
    assert put(placement, first, {rp: {"VCPU": 4}}).status == 204
    assert put(placement, second, {rp: {"VCPU": 2}}).status == 204   # (4-1)*2 = 6
    resp = put(placement, new_uuid(), {rp: {"VCPU": 1}})
    assert_error(resp, 409)
    assert rp in resp.error_detail and "VCPU" in resp.error_detail
    assert "exceed the capacity" in resp.error_detail


def test_over_capacity_writes_nothing(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=2, MEMORY_MB=512)
    before = generation_of(placement, rp)
    resp = put(placement, new_uuid(), {rp: {"VCPU": 1, "MEMORY_MB": 1024}})
    assert_error(resp, 409)
    assert "MEMORY_MB" in resp.error_detail
    assert row_counts(placement_database) == (0, 0)
    assert generation_of(placement, rp) == before


def test_replacing_frees_the_old_allocations_first(placement):
    rp1 = provider(placement, "cn1", VCPU=4)
    rp2 = provider(placement, "cn2", VCPU=4)
    consumer = new_uuid()
    assert put(placement, consumer, {rp1: {"VCPU": 4}}).status == 204
    assert put(placement, consumer, {rp1: {"VCPU": 4}}, generation=1).status == 204
    gen1 = generation_of(placement, rp1)
    assert put(placement, consumer, {rp2: {"VCPU": 3}}, generation=2).status == 204
    # As placement: a provider that only loses allocations to a consumer
    # moving elsewhere keeps its generation ...
    assert generation_of(placement, rp1) == gen1
    assert placement.get(f"/resource_providers/{rp1}/allocations").json["allocations"] == {}
    assert put(placement, new_uuid(), {rp1: {"VCPU": 4}}).status == 204
    # ... and one a consumer written with no allocations leaves is bumped.
    gen2 = generation_of(placement, rp2)
    resp = placement.put(f"/allocations/{consumer}", json={
        "allocations": {}, "project_id": "p", "user_id": "u", "consumer_generation": 3},
        version="1.28")
    assert resp.status == 204, resp
    assert generation_of(placement, rp2) == gen2 + 1
    assert placement.get(f"/resource_providers/{rp2}/allocations").json["allocations"] == {}


def test_constraints_and_missing_inventory(placement, placement_database):
    rp = provider(placement, "cn1",
                  VCPU={"total": 16, "min_unit": 2, "max_unit": 8, "step_size": 2})
    for amount in (1, 3, 10):
        resp = put(placement, new_uuid(), {rp: {"VCPU": amount}})
        assert_error(resp, 409)
        assert "violate inventory constraints" in resp.error_detail
    assert put(placement, new_uuid(), {rp: {"VCPU": 8}}).status == 204
    # A class the provider has no inventory of.
    resp = put(placement, new_uuid(), {rp: {"DISK_GB": 1}})
    assert_error(resp, 409)
    assert "DISK_GB" in resp.error_detail and rp in resp.error_detail
    bare = provider(placement, "bare")
    assert_error(put(placement, new_uuid(), {bare: {"VCPU": 1}}), 409)
    # A class that does not exist at all, and a provider that does not exist.
    resp = put(placement, new_uuid(), {rp: {"CUSTOM_NOPE": 1}})
    assert_error(resp, 400)
    assert "No such resource class CUSTOM_NOPE" in resp.error_detail
    missing = new_uuid()
    resp = put(placement, new_uuid(), {missing: {"VCPU": 2}})
    assert_error(resp, 400)
    assert resp.error_detail == f"Allocation for resource provider '{missing}' that does not exist."
    assert row_counts(placement_database) == (1, 1)


def test_custom_resource_class(placement):
    placement.put("/resource_classes/CUSTOM_GPU", version="1.7")
    rp = provider(placement, "cn1", CUSTOM_GPU=2)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"CUSTOM_GPU": 2}}).status == 204
    assert placement.get(f"/allocations/{consumer}").json["allocations"][rp][
        "resources"] == {"CUSTOM_GPU": 2}


# -- bad input ------------------------------------------------------------------

@pytest.mark.parametrize("mutate", [
    lambda b: b.update(allocations=[]),
    lambda b: b.pop("project_id"),
    lambda b: b.pop("user_id"),
    lambda b: b.pop("consumer_type"),
    lambda b: b.update(project_id=""),
    lambda b: b.update(user_id="x" * 256),
    lambda b: b.update(consumer_generation="1"),
    lambda b: b.update(consumer_type="lower"),
    lambda b: b.update(consumer_type=""),
    lambda b: b.update(extra=1),
    lambda b: b.update(allocations={"not-a-uuid": {"resources": {"VCPU": 1}}}),
    lambda b: next(iter(b["allocations"].values()))["resources"].update(VCPU=0),
    lambda b: next(iter(b["allocations"].values()))["resources"].update(VCPU=-1),
    lambda b: next(iter(b["allocations"].values()))["resources"].update(VCPU=1.5),
    lambda b: next(iter(b["allocations"].values()))["resources"].update(VCPU="1"),
    lambda b: next(iter(b["allocations"].values()))["resources"].update(vcpu=1),
    lambda b: next(iter(b["allocations"].values()))["resources"].update(VCPU=2 ** 31),
    lambda b: next(iter(b["allocations"].values())).update(resources={}),
    lambda b: next(iter(b["allocations"].values())).pop("resources"),
    lambda b: next(iter(b["allocations"].values())).update(surprise=True),
    lambda b: b.update(mappings={"": ["not-a-uuid"]}),
    lambda b: b.update(mappings={"bad suffix!": [new_uuid()]}),
    lambda b: b.update(mappings={"_x": []}),
    lambda b: b.update(mappings=[]),
    lambda b: b.update(mappings={}),
], ids=lambda _: "")
def test_bad_put_bodies(placement, placement_database, mutate):
    rp = provider(placement, "cn1", VCPU=8)
    data = body({rp: {"VCPU": 1}})
    mutate(data)
    resp = placement.put(f"/allocations/{new_uuid()}", json=data)
    assert_error(resp, 400)
    assert row_counts(placement_database) == (0, 0)


def test_malformed_requests(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=8)
    assert_error(placement.put("/allocations/not-a-uuid", json=body({rp: {"VCPU": 1}})), 400)
    resp = placement.put(f"/allocations/{new_uuid()}", data=b"{nope",
                         headers={"Content-Type": "application/json"})
    assert_error(resp, 400)
    resp = placement.put(f"/allocations/{new_uuid()}", data=b"{}",
                         headers={"Content-Type": "text/plain"})
    assert resp.status == 415
    assert_error(placement.post("/allocations", json=[]), 400)
    assert row_counts(placement_database) == (0, 0)


def test_mappings_from_1_34(placement):
    rp = provider(placement, "cn1", VCPU=8)
    data = body({rp: {"VCPU": 1}})
    data["mappings"] = {"": [rp], "_NET1": [rp]}
    del data["consumer_type"]
    assert placement.put(f"/allocations/{new_uuid()}", json=data, version="1.33").status == 400
    assert placement.put(f"/allocations/{new_uuid()}", json=data, version="1.34").status == 204


def test_consumer_type_from_1_38(placement):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 1}}, consumer_type="MIGRATION").status == 204
    assert placement.get(f"/allocations/{consumer}").json["consumer_type"] == "MIGRATION"
    # Written at 1.37 the type stays; at 1.38 it may change.
    data = body({rp: {"VCPU": 2}}, generation=1)
    del data["consumer_type"]
    assert placement.put(f"/allocations/{consumer}", json=data, version="1.37").status == 204
    assert placement.get(f"/allocations/{consumer}").json["consumer_type"] == "MIGRATION"
    assert put(placement, consumer, {rp: {"VCPU": 2}}, generation=2,
               consumer_type="INSTANCE").status == 204
    assert placement.get(f"/allocations/{consumer}").json["consumer_type"] == "INSTANCE"
    assert placement.put(f"/allocations/{new_uuid()}", json=data, version="1.38").status == 400


def test_project_and_user_follow_the_latest_write(placement):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 1}}).status == 204
    assert put(placement, consumer, {rp: {"VCPU": 1}}, generation=1,
               project="p2", user="u2").status == 204
    got = placement.get(f"/allocations/{consumer}").json
    assert (got["project_id"], got["user_id"], got["consumer_generation"]) == ("p2", "u2", 2)


# -- POST /allocations ------------------------------------------------------

def test_post_is_absent_before_1_13(placement):
    assert placement.post("/allocations", json={}, version="1.12").status == 404


def test_post_moves_allocations_atomically(placement):
    source = provider(placement, "source", VCPU=4)
    dest = provider(placement, "dest", VCPU=4)
    instance, migration = new_uuid(), new_uuid()
    assert put(placement, instance, {source: {"VCPU": 4}}).status == 204
    # The migration takes over the source claim, the instance claims the dest.
    move = {
        migration: {**body({source: {"VCPU": 4}}, consumer_type="MIGRATION")},
        instance: {**body({dest: {"VCPU": 4}}, generation=1)},
    }
    assert placement.post("/allocations", json=move).status == 204
    assert placement.get(f"/allocations/{migration}").json["allocations"][source][
        "resources"] == {"VCPU": 4}
    assert list(placement.get(f"/allocations/{instance}").json["allocations"]) == [dest]
    # Confirm: drop the migration's allocations with an empty dict.
    done = {migration: body({}, generation=1, consumer_type="MIGRATION")}
    assert placement.post("/allocations", json=done).status == 204
    assert placement.get(f"/allocations/{migration}").json == {"allocations": {}}
    assert placement.get(f"/resource_providers/{source}/allocations").json[
        "allocations"] == {}


def test_post_is_all_or_nothing(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=4)
    a, b, c = new_uuid(), new_uuid(), new_uuid()
    # Together they do not fit, though each would alone.
    resp = placement.post("/allocations", json={a: body({rp: {"VCPU": 3}}),
                                                b: body({rp: {"VCPU": 2}})})
    assert_error(resp, 409)
    assert row_counts(placement_database) == (0, 0)
    assert put(placement, c, {rp: {"VCPU": 1}}).status == 204
    # A stale generation for one consumer refuses the whole request.
    resp = placement.post("/allocations", json={a: body({rp: {"VCPU": 1}}),
                                                c: body({rp: {"VCPU": 1}}, generation=9)})
    assert_error(resp, 409, "placement.concurrent_update")
    assert placement.get(f"/allocations/{a}").json == {"allocations": {}}
    resp = placement.post("/allocations", json={a: body({rp: {"VCPU": 1}}),
                                                b: body({new_uuid(): {"VCPU": 1}})})
    assert_error(resp, 400)
    assert row_counts(placement_database) == (1, 1)


def test_post_bodies_by_version(placement):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    v1_13 = {consumer: {"allocations": {rp: {"resources": {"VCPU": 1}}},
                        "project_id": PROJECT, "user_id": USER}}
    assert placement.post("/allocations", json=v1_13, version="1.13").status == 204
    assert placement.post("/allocations", json=v1_13, version="1.28").status == 400
    assert_error(placement.post("/allocations", json={}, version="1.13"), 400)
    assert_error(placement.post("/allocations", json={"nope": v1_13[consumer]},
                                version="1.13"), 400)
    v1_28 = {consumer: {**v1_13[consumer], "consumer_generation": 1}}
    assert placement.post("/allocations", json=v1_28, version="1.28").status == 204
    assert placement.post("/allocations", json=v1_28, version="1.38").status == 400
    v1_38 = {consumer: {**v1_28[consumer], "consumer_generation": 2,
                        "consumer_type": "INSTANCE", "mappings": {"": [rp]}}}
    assert placement.post("/allocations", json=v1_38, version="1.38").status == 204
    assert placement.get(f"/allocations/{consumer}").json["consumer_generation"] == 3


# -- DELETE ---------------------------------------------------------------------

def test_delete(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 8}}).status == 204
    before = generation_of(placement, rp)
    assert placement.delete(f"/allocations/{consumer}").status == 204
    assert generation_of(placement, rp) == before   # as placement: a free bumps nothing
    assert placement.get(f"/allocations/{consumer}").json == {"allocations": {}}
    assert row_counts(placement_database) == (0, 0)
    resp = placement.delete(f"/allocations/{consumer}")
    assert_error(resp, 404)
    assert consumer in resp.error_detail
    assert put(placement, new_uuid(), {rp: {"VCPU": 8}}).status == 204


def test_delete_bumps_no_provider_generation(placement):
    rp1 = provider(placement, "cn1", VCPU=8)
    rp2 = provider(placement, "cn2", DISK_GB=100)
    consumer = new_uuid()
    assert put(placement, consumer, {rp1: {"VCPU": 8}, rp2: {"DISK_GB": 10}}).status == 204
    before = {rp: generation_of(placement, rp) for rp in (rp1, rp2)}
    assert placement.delete(f"/allocations/{consumer}", version="1.0").status == 204
    assert {rp: generation_of(placement, rp) for rp in (rp1, rp2)} == before
    usages = placement.get(f"/resource_providers/{rp1}/usages").json
    assert usages == {"resource_provider_generation": before[rp1], "usages": {"VCPU": 0}}
    # The generation read before the delete is still the one to write with.
    resp = placement.put(f"/resource_providers/{rp1}/inventories/VCPU",
                         json={"resource_provider_generation": before[rp1], "total": 4})
    assert resp.status == 200, resp


def test_provider_generation_moves_with_every_write(placement):
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    start = generation_of(placement, rp)
    assert put(placement, consumer, {rp: {"VCPU": 1}}).status == 204
    assert put(placement, consumer, {rp: {"VCPU": 2}}, generation=1).status == 204
    assert generation_of(placement, rp) == start + 2
    # A provider with allocations cannot be deleted.
    assert placement.delete(f"/resource_providers/{rp}").status == 409


def test_policy(placement, placement_database):
    rp = provider(placement, "cn1", VCPU=8)
    member = placement.as_user()
    consumer = new_uuid()
    assert member.get(f"/allocations/{consumer}").status == 403
    assert member.put(f"/allocations/{consumer}", json=body({rp: {"VCPU": 1}})).status == 403
    assert member.post("/allocations", json={consumer: body({rp: {"VCPU": 1}})}).status == 403
    assert member.delete(f"/allocations/{consumer}").status == 403
    assert member.get(f"/resource_providers/{rp}/allocations").status == 403
    assert row_counts(placement_database) == (0, 0)


# -- lost races -----------------------------------------------------------------

def test_a_lost_race_is_retried_with_the_providers_locked(placement, monkeypatch):
    """A writer whose guarded generation UPDATE matches nothing (another
    writer got there first) runs again, locking the providers first."""
    rp = provider(placement, "cn1", VCPU=8)
    real_bump = provider_repo.try_bump_generation
    real_lock = allocation_repo.lock_providers
    calls = {"bump": 0, "lock": 0}

    def bump_losing_once(conn, provider_id, expected):
        calls["bump"] += 1
        return real_bump(conn, provider_id, expected) if calls["bump"] > 1 else False

    def lock(conn, ids):
        calls["lock"] += 1
        real_lock(conn, ids)

    monkeypatch.setattr(provider_repo, "try_bump_generation", bump_losing_once)
    monkeypatch.setattr(allocation_repo, "lock_providers", lock)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 2}}).status == 204
    assert calls == {"bump": 2, "lock": 1}
    assert placement.get(f"/allocations/{consumer}").json["consumer_generation"] == 1


def test_endless_races_end_in_409_concurrent_update(placement, placement_database,
                                                     monkeypatch):
    rp = provider(placement, "cn1", VCPU=8)
    monkeypatch.setattr(provider_repo, "try_bump_generation", lambda *a: False)
    resp = put(placement, new_uuid(), {rp: {"VCPU": 1}})
    assert_error(resp, 409, "placement.concurrent_update")
    assert row_counts(placement_database) == (0, 0)


@pytest.mark.parametrize("version, status", [("1.39", 409), ("1.27", 204)])
def test_losing_a_consumer_creation_race(placement, monkeypatch, version, status):
    """Two writers create the same consumer: the loser's INSERT fails, it
    runs again and now sees the consumer; at 1.28+ its "does not exist yet"
    (null generation) is stale, before 1.28 it simply replaces."""
    rp = provider(placement, "cn1", VCPU=8)
    consumer = new_uuid()
    assert put(placement, consumer, {rp: {"VCPU": 1}}).status == 204
    real_get = consumer_repo.get_with_ids
    calls = []

    def stale_first_read(conn, uuid_, **kw):
        calls.append(uuid_)
        row, ids = real_get(conn, uuid_, **kw)
        return (None if len(calls) == 1 else row), ids

    monkeypatch.setattr(consumer_repo, "get_with_ids", stale_first_read)
    data = body({rp: {"VCPU": 2}})
    if version == "1.27":
        data = {"allocations": data["allocations"], "project_id": PROJECT, "user_id": USER}
    resp = placement.put(f"/allocations/{consumer}", json=data, version=version)
    assert resp.status == status, resp
    assert len(calls) == 2
    if status == 409:
        assert resp.error_code == "placement.concurrent_update"
    expected = {"VCPU": 1} if status == 409 else {"VCPU": 2}
    assert placement.get(f"/allocations/{consumer}").json["allocations"][rp][
        "resources"] == expected
