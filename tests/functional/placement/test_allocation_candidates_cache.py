"""The provider cache behind the flat fast path (``candidates.provider_cache``)
never answers from a state the database no longer has: after every kind
of write through the API (inventories, allocations, consumer deletes,
traits, aggregates with and without a generation, sharing, provider
create/delete/re-parent, resource class rename, reshaper), the answer
through HTTP (served from the warm cache) equals the general path's
(which reads everything afresh), on every backend, with and without a
limit.  Each step also checks the change itself, so that no comparison
is vacuous.
"""
from __future__ import annotations

import uuid as uuidlib

import orjson
import pytest
import sqlalchemy as sa

from nubes.common.wsgi.microversion import Version
from nubes.placement import models
from nubes.placement.candidates import cache_sql, contract, dispatch
from nubes.placement.candidates import request as candidate_request
from nubes.placement.handlers import allocation_candidate as handler

AC = "/allocation_candidates"
SHARES = "MISC_SHARES_VIA_AGGREGATE"
AGG_A = "aaaaaaaa-0000-4000-8000-00000000000a"
AGG_B = "aaaaaaaa-0000-4000-8000-00000000000b"
BASE = "VCPU:1,MEMORY_MB:512"


def _uuid(name: str) -> str:
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, "cache-test:" + name))


CN1, CN2, CN3, SS = _uuid("cn1"), _uuid("cn2"), _uuid("cn3"), _uuid("ss")


def _general(db, params: dict) -> dict:
    version = Version(1, 39)
    request = candidate_request.parse(dict(params), version)
    result = dispatch.find(db, request, contract.Options(version=(1, 39), fast_path=False))
    return orjson.loads(orjson.dumps(handler.view(result, version)))


class Check:
    """GET /allocation_candidates through HTTP (the cache) and compare it
    with the general path, with and without a limit."""

    def __init__(self, placement, db):
        self.placement, self.db = placement, db

    def __call__(self, **params) -> dict:
        params.setdefault("resources", BASE)
        answers = []
        for query in (params, dict(params, limit="2")):
            resp = self.placement.get(AC, params=query, version="1.39")
            assert resp.status == 200, resp
            assert resp.json == _general(self.db, query), query
            answers.append(resp.json)
        return answers[0]

    def providers(self, **params) -> set[str]:
        """The providers of the candidates."""
        return {u for r in self(**params)["allocation_requests"] for u in r["allocations"]}

    def summary(self, uuid: str, **params) -> dict:
        return self(**params)["provider_summaries"][uuid]


@pytest.fixture
def check(placement, placement_database) -> Check:
    for name, uuid in (("cn1", CN1), ("cn2", CN2), ("cn3", CN3)):
        placement.create_provider(name, uuid=uuid)
        placement.set_inventory(uuid, {"VCPU": 8, "MEMORY_MB": 4096, "DISK_GB": 100})
    placement.create_provider("ss", uuid=SS)
    placement.set_inventory(SS, {"DISK_GB": 1000})
    _put_traits(placement, SS, [SHARES])
    _put_aggregates(placement, SS, [AGG_A])
    _put_aggregates(placement, CN1, [AGG_A])
    return Check(placement, placement_database)


def _generation(placement, uuid: str) -> int:
    return placement.get(f"/resource_providers/{uuid}").json["generation"]


def _put_traits(placement, uuid: str, traits: list[str]) -> None:
    resp = placement.put(f"/resource_providers/{uuid}/traits", json={
        "traits": traits, "resource_provider_generation": _generation(placement, uuid)})
    assert resp.status == 200, resp


def _put_aggregates(placement, uuid: str, aggregates: list[str], old: bool = False) -> None:
    if old:   # 1.1-1.18: no generation given, none bumped
        resp = placement.put(f"/resource_providers/{uuid}/aggregates", json=aggregates,
                             version="1.18")
    else:
        resp = placement.put(f"/resource_providers/{uuid}/aggregates", json={
            "aggregates": aggregates,
            "resource_provider_generation": _generation(placement, uuid)})
    assert resp.status == 200, resp


def _allocate(placement, consumer: str, allocations: dict, generation=None) -> None:
    resp = placement.put(f"/allocations/{consumer}", json={
        "allocations": {u: {"resources": r} for u, r in allocations.items()},
        "project_id": "p", "user_id": "u", "consumer_generation": generation,
        "consumer_type": "INSTANCE"})
    assert resp.status == 204, resp


def test_inventory_writes(check, placement):
    assert check.summary(CN2)["resources"]["VCPU"] == {"capacity": 8, "used": 0}
    placement.set_inventory(CN2, {"VCPU": 2, "MEMORY_MB": 4096, "DISK_GB": 100})
    assert check.summary(CN2)["resources"]["VCPU"] == {"capacity": 2, "used": 0}
    assert CN2 not in check.providers(resources="VCPU:4,MEMORY_MB:512")
    # One class updated, created, deleted.
    resp = placement.put(f"/resource_providers/{CN2}/inventories/VCPU", json={
        "resource_provider_generation": _generation(placement, CN2), "total": 16})
    assert resp.status == 200, resp
    assert CN2 in check.providers(resources="VCPU:4,MEMORY_MB:512")
    resp = placement.delete(f"/resource_providers/{CN2}/inventories/MEMORY_MB")
    assert resp.status == 204, resp
    assert CN2 not in check.providers()
    resp = placement.post(f"/resource_providers/{CN2}/inventories", json={
        "resource_provider_generation": _generation(placement, CN2),
        "resource_class": "MEMORY_MB", "total": 1024, "allocation_ratio": 2.0})
    assert resp.status == 201, resp
    assert check.summary(CN2)["resources"]["MEMORY_MB"] == {"capacity": 2048, "used": 0}
    # Everything removed.
    assert placement.delete(f"/resource_providers/{CN2}/inventories").status == 204
    assert CN2 not in check.providers()


def test_allocation_writes_and_consumer_deletes(check, placement):
    vm1, vm2 = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    assert check.summary(CN1)["resources"]["VCPU"]["used"] == 0
    _allocate(placement, vm1, {CN1: {"VCPU": 6, "MEMORY_MB": 512}})
    assert check.summary(CN1)["resources"]["VCPU"]["used"] == 6
    assert CN1 not in check.providers(resources="VCPU:4,MEMORY_MB:512")
    # Moved to another provider: freed on the first.
    _allocate(placement, vm1, {CN2: {"VCPU": 6, "MEMORY_MB": 512}}, generation=1)
    assert CN1 in check.providers(resources="VCPU:4,MEMORY_MB:512")
    assert check.summary(CN2)["resources"]["VCPU"]["used"] == 6
    # Several consumers at once, one of them emptied.
    resp = placement.post("/allocations", json={
        vm1: {"allocations": {}, "project_id": "p", "user_id": "u",
              "consumer_generation": 2, "consumer_type": "INSTANCE"},
        vm2: {"allocations": {CN3: {"resources": {"VCPU": 8}},
                              SS: {"resources": {"DISK_GB": 1000}}},
              "project_id": "p", "user_id": "u", "consumer_generation": None,
              "consumer_type": "INSTANCE"}})
    assert resp.status == 204, resp
    assert check.summary(CN2)["resources"]["VCPU"]["used"] == 0
    assert CN3 not in check.providers()
    assert SS not in check.providers(resources="DISK_GB:1")
    # The consumer deleted: no generation moves (as in placement), yet the
    # cache sees the freed usage (its stamp has the provider's cache_serial).
    generations = {u: _generation(placement, u) for u in (CN3, SS)}
    assert placement.delete(f"/allocations/{vm2}").status == 204
    assert {u: _generation(placement, u) for u in (CN3, SS)} == generations
    assert check.summary(CN3)["resources"]["VCPU"]["used"] == 0
    assert CN3 in check.providers()
    assert SS in check.providers(resources="DISK_GB:1")


def test_trait_writes(check, placement):
    assert placement.put("/traits/CUSTOM_GOLD").status == 201
    assert check.providers(required="CUSTOM_GOLD") == set()
    _put_traits(placement, CN2, ["CUSTOM_GOLD"])
    assert check.providers(required="CUSTOM_GOLD") == {CN2}
    assert check.summary(CN2)["traits"] == ["CUSTOM_GOLD"]
    assert CN2 not in check.providers(required="!CUSTOM_GOLD")
    assert placement.delete(f"/resource_providers/{CN2}/traits").status == 204
    assert check.providers(required="CUSTOM_GOLD") == set()
    assert check.summary(CN2)["traits"] == []


@pytest.mark.parametrize("old", [False, True], ids=["1.19", "1.18"])
def test_aggregate_writes(check, placement, old):
    """Before 1.19 an aggregate write bumps no generation: membership is
    read afresh by every request, never cached."""
    disk = {"resources": "VCPU:1,DISK_GB:500"}
    # The sharing disk reaches cn1 only.
    assert check.providers(**disk) == {CN1, SS}
    _put_aggregates(placement, CN2, [AGG_A], old=old)
    assert check.providers(**disk) == {CN1, CN2, SS}
    assert check.providers(member_of=AGG_A) == {CN1, CN2}
    _put_aggregates(placement, CN1, [AGG_B], old=old)
    assert check.providers(**disk) == {CN2, SS}
    assert check.providers(member_of=AGG_A) == {CN2}
    assert check.providers(member_of="!" + AGG_B) == {CN2, CN3}
    _put_aggregates(placement, SS, [], old=old)
    assert check.providers(**disk) == set()


def test_sharing_trait_given_and_taken(check, placement):
    disk = {"resources": "VCPU:1,DISK_GB:500"}
    _put_aggregates(placement, CN3, [AGG_A])
    assert check.providers(**disk) == {CN1, CN3, SS}
    _put_traits(placement, SS, [])
    assert check.providers(**disk) == set()
    _put_traits(placement, SS, [SHARES])
    assert check.providers(**disk) == {CN1, CN3, SS}


def test_provider_create_delete_and_reparent(check, placement):
    new = _uuid("cn4")
    placement.create_provider("cn4", uuid=new)
    assert new not in check.providers()
    placement.set_inventory(new, {"VCPU": 4, "MEMORY_MB": 1024})
    assert new in check.providers()
    assert placement.delete(f"/resource_providers/{new}").status == 204
    assert new not in check.providers()
    # A child anywhere: the tree fast path answers; made a root again, the
    # flat one answers again.
    child = _uuid("child")
    placement.create_provider("child", uuid=child, parent=CN1)
    placement.set_inventory(child, {"VCPU": 4})
    assert child in check.providers()
    resp = placement.put(f"/resource_providers/{child}",
                         json={"name": "child", "parent_provider_uuid": None})
    assert resp.status == 200, resp
    assert child not in check.providers()    # no memory of its own any more
    assert check.summary(child, resources="VCPU:1")["root_provider_uuid"] == child


def test_resource_class_rename(check, placement):
    assert placement.post("/resource_classes", json={"name": "CUSTOM_A"}).status == 201
    placement.set_inventory(CN3, {"VCPU": 8, "MEMORY_MB": 4096, "CUSTOM_A": 3})
    assert "CUSTOM_A" in check.summary(CN3)["resources"]
    resp = placement.put("/resource_classes/CUSTOM_A", json={"name": "CUSTOM_B"},
                         version="1.6")
    assert resp.status == 200, resp
    resources = check.summary(CN3)["resources"]
    assert "CUSTOM_B" in resources and "CUSTOM_A" not in resources


def test_reshaper(check, placement):
    vm = str(uuidlib.uuid4())
    _allocate(placement, vm, {CN1: {"VCPU": 2, "MEMORY_MB": 512}})
    assert check.summary(CN1)["resources"]["VCPU"]["used"] == 2
    resp = placement.as_user(roles="service").post("/reshaper", json={
        "inventories": {
            CN1: {"resource_provider_generation": _generation(placement, CN1),
                  "inventories": {"MEMORY_MB": {"total": 4096}}},
            CN2: {"resource_provider_generation": _generation(placement, CN2),
                  "inventories": {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096}}}},
        "allocations": {vm: {"allocations": {CN2: {"resources": {"VCPU": 2,
                                                                 "MEMORY_MB": 512}}},
                             "project_id": "p", "user_id": "u", "consumer_generation": 1,
                             "consumer_type": "INSTANCE"}}})
    assert resp.status == 204, resp
    assert CN1 not in check.providers()
    assert check.summary(CN2)["resources"] == {
        "VCPU": {"capacity": 8, "used": 2}, "MEMORY_MB": {"capacity": 4096, "used": 512}}


def test_cache_rereads_only_changed_providers(check, placement, placement_database,
                                              monkeypatch):
    """Warm, a request re-reads no provider; after a write, only the
    providers the write touched (its own stamps say which)."""
    check()
    read: list = []
    original = cache_sql.facts

    def counting(conn, kind, ids):
        read.append((kind, None if ids is None else set(ids)))
        return original(conn, kind, ids)
    monkeypatch.setattr(cache_sql, "facts", counting)
    assert placement.get(AC, params={"resources": BASE}, version="1.39").status == 200
    assert read == []
    _allocate(placement, str(uuidlib.uuid4()), {CN2: {"VCPU": 1}})
    assert placement.get(AC, params={"resources": BASE}, version="1.39").status == 200
    assert read and all(ids == {_id(placement_database, CN2)} for _, ids in read)


def _id(db, uuid: str) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(models.resource_providers.c.id)
                           .where(models.resource_providers.c.uuid == uuid))


def test_nested_trees_regrown(check, placement):
    """Trees are read afresh by every request: a child moved to another
    tree (1.37) shows under its new root at once."""
    numa = _uuid("numa")
    placement.create_provider("numa", uuid=numa, parent=CN1)
    placement.set_inventory(numa, {"VCPU": 16, "MEMORY_MB": 8192})
    big = {"resources": "VCPU:12,MEMORY_MB:512"}
    # VCPU from the child, memory from it or its root.
    assert check.providers(**big) == {numa, CN1}
    assert check.summary(numa, **big)["root_provider_uuid"] == CN1
    resp = placement.put(f"/resource_providers/{numa}",
                         json={"name": "numa", "parent_provider_uuid": CN2})
    assert resp.status == 200, resp
    answer = check(**big)
    assert answer["provider_summaries"][numa]["root_provider_uuid"] == CN2
    assert CN2 in answer["provider_summaries"] and CN1 not in answer["provider_summaries"]
    assert check.providers(**big) == {numa, CN2}
    # Usage on the child, through the API.
    _allocate(placement, str(uuidlib.uuid4()), {numa: {"VCPU": 10}})
    assert check.providers(**big) == set()
    assert check.summary(numa, resources="VCPU:1")["resources"]["VCPU"]["used"] == 10

