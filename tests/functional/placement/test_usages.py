"""/resource_providers/{uuid}/usages and /usages (1.9+, grouped by consumer
type from 1.38).

Allocations are written straight into the database by ``allocate`` so that
these tests depend on nothing but the usage code.
"""
import uuid

import pytest
import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.placement import models

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
MISSING = "99999999-9999-4999-8999-999999999999"


def _get_or_create(conn, table, column: str, value: str) -> int:
    found = conn.scalar(sa.select(table.c.id).where(table.c[column] == value))
    if found is not None:
        return found
    return conn.execute(sa.insert(table).values(**{column: value, "created_at": utcnow()})
                        ).inserted_primary_key[0]


def allocate(db, rp_uuid: str, resources: dict[str, int], *, consumer: str | None = None,
             project: str = "p1", user: str = "u1", consumer_type: str | None = None) -> str:
    """Give ``consumer`` (a new one unless named) ``resources`` from the
    provider, as the allocations API would store them."""
    consumer = consumer or str(uuid.uuid4())
    now = utcnow()
    with db.engine.begin() as conn:
        rp_id = conn.scalar(sa.select(models.resource_providers.c.id)
                            .where(models.resource_providers.c.uuid == rp_uuid))
        if conn.scalar(sa.select(models.consumers.c.id)
                       .where(models.consumers.c.uuid == consumer)) is None:
            type_id = (None if consumer_type is None else
                       _get_or_create(conn, models.consumer_types, "name", consumer_type))
            conn.execute(sa.insert(models.consumers).values(
                uuid=consumer, generation=0, created_at=now, consumer_type_id=type_id,
                project_id=_get_or_create(conn, models.projects, "external_id", project),
                user_id=_get_or_create(conn, models.users, "external_id", user)))
        for name, used in resources.items():
            class_id = conn.scalar(sa.select(models.resource_classes.c.id)
                                   .where(models.resource_classes.c.name == name))
            conn.execute(sa.insert(models.allocations).values(
                resource_provider_id=rp_id, consumer_id=consumer, resource_class_id=class_id,
                used=used, created_at=now))
    return consumer


@pytest.fixture
def host(placement):
    """A provider with VCPU, MEMORY_MB and DISK_GB inventory."""
    placement.create_provider("host", uuid=U1)
    placement.set_inventory(U1, {"VCPU": 32, "MEMORY_MB": 65536, "DISK_GB": 1000})
    return U1


# -- provider usages ------------------------------------------------------------

def test_provider_usages_are_zero_for_every_inventoried_class(placement, host):
    resp = placement.get(f"/resource_providers/{host}/usages", version="1.0")
    assert resp.status == 200
    assert resp.json == {"resource_provider_generation": 1,
                         "usages": {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}}


def test_provider_without_inventory_has_no_usages(placement):
    placement.create_provider("bare", uuid=U1)
    assert placement.get(f"/resource_providers/{U1}/usages").json == {
        "resource_provider_generation": 0, "usages": {}}


def test_provider_usages_sum_every_consumer(placement, placement_database, host):
    allocate(placement_database, host, {"VCPU": 2, "MEMORY_MB": 1024})
    allocate(placement_database, host, {"VCPU": 3}, project="p2")
    body = placement.get(f"/resource_providers/{host}/usages").json
    assert body["usages"] == {"VCPU": 5, "MEMORY_MB": 1024, "DISK_GB": 0}
    assert all(type(v) is int for v in body["usages"].values())


def test_provider_usages_count_only_that_provider(placement, placement_database, host):
    placement.create_provider("other", uuid=U2)
    placement.set_inventory(U2, {"VCPU": 8})
    consumer = allocate(placement_database, host, {"VCPU": 2})
    allocate(placement_database, U2, {"VCPU": 4}, consumer=consumer)
    assert placement.get(f"/resource_providers/{host}/usages").json["usages"]["VCPU"] == 2
    assert placement.get(f"/resource_providers/{U2}/usages").json["usages"] == {"VCPU": 4}


def test_provider_usages_headers_by_version(placement, host):
    assert "Last-Modified" not in placement.get(f"/resource_providers/{host}/usages",
                                                version="1.14").headers
    resp = placement.get(f"/resource_providers/{host}/usages", version="1.15")
    assert resp.headers["Cache-Control"] == "no-cache" and "Last-Modified" in resp.headers


def test_provider_usages_of_unknown_provider_is_404(placement):
    resp = placement.get(f"/resource_providers/{MISSING}/usages")
    assert resp.status == 404
    assert resp.error_code == "placement.resource_provider.not_found"
    assert resp.error_detail == f"No resource provider with uuid {MISSING} found"


def test_provider_usages_need_admin_or_service(placement, host):
    assert placement.as_user().get(f"/resource_providers/{host}/usages").status == 403
    assert placement.as_user(roles="service").get(
        f"/resource_providers/{host}/usages").status == 200


# -- /usages ------------------------------------------------------------------------

def test_total_usages_absent_before_1_9(placement):
    assert placement.get("/usages", params={"project_id": "p1"}, version="1.8").status == 404


def test_total_usages_of_a_project_and_user(placement, placement_database, host):
    allocate(placement_database, host, {"VCPU": 2, "MEMORY_MB": 512}, user="u1")
    allocate(placement_database, host, {"VCPU": 1}, user="u2")
    allocate(placement_database, host, {"VCPU": 8, "DISK_GB": 10}, project="p2")
    project = placement.get("/usages", params={"project_id": "p1"}, version="1.9")
    assert project.status == 200
    assert project.json == {"usages": {"VCPU": 3, "MEMORY_MB": 512}}
    user = placement.get("/usages", params={"project_id": "p1", "user_id": "u2"}, version="1.9")
    assert user.json == {"usages": {"VCPU": 1}}
    nobody = placement.get("/usages", params={"project_id": "p1", "user_id": "nobody"},
                           version="1.9")
    assert nobody.json == {"usages": {}}
    assert placement.get("/usages", params={"project_id": "none"},
                         version="1.9").json == {"usages": {}}


def test_total_usages_sum_across_providers(placement, placement_database, host):
    placement.create_provider("other", uuid=U2)
    placement.set_inventory(U2, {"VCPU": 8})
    consumer = allocate(placement_database, host, {"VCPU": 2})
    allocate(placement_database, U2, {"VCPU": 4}, consumer=consumer)
    body = placement.get("/usages", params={"project_id": "p1"}, version="1.37").json
    assert body == {"usages": {"VCPU": 6}}
    assert all(type(v) is int for v in body["usages"].values())


def test_total_usages_require_project_id(placement):
    assert placement.get("/usages", params={"user_id": "u1"}, version="1.9").status == 400
    resp = placement.get("/usages", params={"user_id": "u1"}, version="1.23")
    assert resp.status == 400
    assert resp.error_code == "placement.query.missing_value"
    assert "project_id" in resp.error_detail


@pytest.mark.parametrize("params, version", [
    ({"project_id": "p1", "bogus": "1"}, "1.23"),
    ({"project_id": ""}, "1.23"),
    ({"project_id": "p1", "user_id": ""}, "1.23"),
    ({"project_id": ["p1", "p2"]}, "1.23"),
    ({"project_id": "p1", "consumer_type": "INSTANCE"}, "1.37"),
    ({"project_id": "p1", "consumer_type": "instance"}, "1.38"),
    ({"project_id": "p1", "consumer_type": ""}, "1.38"),
])
def test_total_usages_bad_queries(placement, params, version):
    resp = placement.get("/usages", params=params, version=version)
    assert resp.status == 400, resp
    assert resp.error_code == "placement.undefined_code"


@pytest.fixture
def typed_usage(placement_database, host):
    db = placement_database
    allocate(db, host, {"VCPU": 2, "MEMORY_MB": 512}, consumer_type="INSTANCE")
    allocate(db, host, {"VCPU": 2, "MEMORY_MB": 512}, consumer_type="INSTANCE")
    allocate(db, host, {"VCPU": 1}, consumer_type="MIGRATION")
    allocate(db, host, {"DISK_GB": 5})
    allocate(db, host, {"VCPU": 16}, project="p2", consumer_type="INSTANCE")


def test_total_usages_before_1_38_ignore_consumer_types(placement, typed_usage):
    body = placement.get("/usages", params={"project_id": "p1"}, version="1.37").json
    assert body == {"usages": {"VCPU": 5, "MEMORY_MB": 1024, "DISK_GB": 5}}


def test_total_usages_grouped_by_consumer_type_from_1_38(placement, typed_usage):
    body = placement.get("/usages", params={"project_id": "p1"}, version="1.38").json
    assert body == {"usages": {
        "INSTANCE": {"consumer_count": 2, "VCPU": 4, "MEMORY_MB": 1024},
        "MIGRATION": {"consumer_count": 1, "VCPU": 1},
        "unknown": {"consumer_count": 1, "DISK_GB": 5},
    }}


@pytest.mark.parametrize("consumer_type, expected", [
    ("all", {"all": {"consumer_count": 4, "VCPU": 5, "MEMORY_MB": 1024, "DISK_GB": 5}}),
    ("unknown", {"unknown": {"consumer_count": 1, "DISK_GB": 5}}),
    ("INSTANCE", {"INSTANCE": {"consumer_count": 2, "VCPU": 4, "MEMORY_MB": 1024}}),
    ("NO_SUCH_TYPE", {}),
])
def test_total_usages_consumer_type_filter(placement, typed_usage, consumer_type, expected):
    resp = placement.get("/usages", params={"project_id": "p1", "consumer_type": consumer_type},
                         version="1.38")
    assert resp.status == 200
    assert resp.json == {"usages": expected}


def test_total_usages_of_empty_project_from_1_38(placement, typed_usage):
    for consumer_type in (None, "all"):
        params = {"project_id": "empty", "consumer_type": consumer_type}
        assert placement.get("/usages", params=params).json == {"usages": {}}


def test_total_usages_policy_target_is_the_queried_project(placement, typed_usage):
    reader = placement.as_user(project="p1", roles="reader")
    own = reader.get("/usages", params={"project_id": "p1"}, version="1.9")
    assert own.status == 200 and own.json["usages"]["VCPU"] == 5
    assert reader.get("/usages", params={"project_id": "p2"}, version="1.9").status == 403
    member = placement.as_user(project="p1", roles="member")
    assert member.get("/usages", params={"project_id": "p1"}, version="1.9").status == 403
    service = placement.as_user(project="svc", roles="service")
    assert service.get("/usages", params={"project_id": "p2"}, version="1.9").status == 200


def test_usages_of_claims_made_through_the_allocations_api(placement, host):
    consumer = str(uuid.uuid4())
    claim = placement.put(f"/allocations/{consumer}", version="1.38", json={
        "allocations": {host: {"resources": {"VCPU": 2, "MEMORY_MB": 2048}}},
        "project_id": "p1", "user_id": "u1", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    assert claim.status == 204, claim
    assert placement.get(f"/resource_providers/{host}/usages").json["usages"] == {
        "VCPU": 2, "MEMORY_MB": 2048, "DISK_GB": 0}
    assert placement.get("/usages", params={"project_id": "p1"}).json == {
        "usages": {"INSTANCE": {"consumer_count": 1, "VCPU": 2, "MEMORY_MB": 2048}}}
    shrink = placement.put(f"/resource_providers/{host}/inventories/VCPU", json={
        "resource_provider_generation": placement.get(f"/resource_providers/{host}").json[
            "generation"], "total": 1})
    assert shrink.status == 200, shrink  # below usage: accepted, as placement does
