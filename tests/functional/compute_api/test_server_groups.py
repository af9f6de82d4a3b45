"""os-server-groups over real HTTP: create by microversion (policies
before 2.64, policy and rules from 2.64, soft policies from 2.15), list
(own project, all_projects for admins, limit/offset), show, delete,
validation and policy."""
from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from nubes.cells.api_db import models as api_models

UNKNOWN = "0b0b0b0b-0000-4000-8000-00000000000b"


def _rows(cloud):
    return {t.name: len(cloud.deployment.rows("api", t))
            for t in (api_models.instance_groups, api_models.instance_group_policy)}


def test_create_and_show_by_microversion(cloud):
    member = cloud.api.as_user(user="u1", project="p1")
    old = member.post("/os-server-groups", json={"server_group": {
        "name": "g1", "policies": ["anti-affinity"]}}, version="2.1")
    assert old.status == 200, old
    assert old.json["server_group"] == {"id": old.json["server_group"]["id"], "name": "g1",
                                        "policies": ["anti-affinity"], "members": [],
                                        "metadata": {}}
    group_id = old.json["server_group"]["id"]
    shown = member.get(f"/os-server-groups/{group_id}", version="2.13").json["server_group"]
    assert (shown["project_id"], shown["user_id"]) == ("p1", "u1")
    new = member.get(f"/os-server-groups/{group_id}", version="2.64").json["server_group"]
    assert new == {"id": group_id, "name": "g1", "policy": "anti-affinity", "rules": {},
                   "members": [], "project_id": "p1", "user_id": "u1"}
    ruled = member.post("/os-server-groups", json={"server_group": {
        "name": "g2", "policy": "anti-affinity", "rules": {"max_server_per_host": "3"}}})
    assert ruled.status == 200, ruled
    assert ruled.json["server_group"]["rules"] == {"max_server_per_host": 3}
    soft = member.post("/os-server-groups", json={"server_group": {
        "name": "g3", "policies": ["soft-affinity"]}}, version="2.15")
    assert soft.status == 200
    assert soft.json["server_group"]["policies"] == ["soft-affinity"]
    assert member.get(f"/os-server-groups/{ruled.json['server_group']['id']}",
                      version="2.63").json["server_group"]["policies"] == ["anti-affinity"]


@pytest.mark.parametrize("version,body", [
    ("2.1", {}),
    ("2.1", {"server_group": {"name": "g"}}),
    ("2.1", {"server_group": {"name": "g", "policies": []}}),
    ("2.1", {"server_group": {"name": "g", "policies": ["affinity", "anti-affinity"]}}),
    ("2.1", {"server_group": {"name": "g", "policies": ["soft-affinity"]}}),
    ("2.1", {"server_group": {"name": "g", "policies": ["clumped"]}}),
    ("2.1", {"server_group": {"name": "", "policies": ["affinity"]}}),
    ("2.1", {"server_group": {"name": "g", "policy": "affinity"}}),
    ("2.63", {"server_group": {"name": "g", "policy": "affinity"}}),
    ("2.64", {"server_group": {"name": "g", "policies": ["affinity"]}}),
    ("2.64", {"server_group": {"name": "g"}}),
    ("2.64", {"server_group": {"name": "g", "policy": "affinity",
                               "rules": {"max_server_per_host": 2}}}),
    ("2.64", {"server_group": {"name": "g", "policy": "anti-affinity",
                               "rules": {"max_server_per_host": 0}}}),
    ("2.64", {"server_group": {"name": "g", "policy": "anti-affinity",
                               "rules": {"max_server_per_host": "x"}}}),
    ("2.64", {"server_group": {"name": "g", "policy": "anti-affinity",
                               "rules": {"colour": 1}}}),
    ("2.64", {"server_group": {"name": "g", "policy": "affinity", "extra": 1}}),
])
def test_bad_create_is_400_and_writes_nothing(cloud, version, body):
    before = _rows(cloud)
    resp = cloud.api.post("/os-server-groups", json=body, version=version)
    assert resp.status == 400 and resp.fault[0] == "badRequest", resp
    assert resp.message
    assert _rows(cloud) == before


def _make(client, name, policy="affinity"):
    resp = client.post("/os-server-groups", json={"server_group": {"name": name,
                                                                   "policy": policy}})
    assert resp.status == 200, resp
    return resp.json["server_group"]["id"]


def test_list_scoping_and_paging(cloud):
    p1, p2 = cloud.api.as_user(project="p1"), cloud.api.as_user(user="u2", project="p2")
    ids = [_make(p1, f"a{n}") for n in range(3)]
    other = _make(p2, "b")
    names = lambda client, **params: [g["name"] for g in client.get(  # noqa: E731
        "/os-server-groups", params=params).json["server_groups"]]
    assert names(p1) == ["a0", "a1", "a2"]
    assert names(p1, all_projects="true") == ["a0", "a1", "a2"]
    assert names(p2) == ["b"]
    assert names(cloud.api) == []
    assert names(cloud.api, all_projects="True") == ["a0", "a1", "a2", "b"]
    assert names(p1, limit="2") == ["a0", "a1"]
    assert names(p1, limit="2", offset="2") == ["a2"]
    for params in ({"limit": "x"}, {"offset": "-1"}, {"all_projects": "perhaps"}):
        assert p1.get("/os-server-groups", params=params).status == 400
    # Another project's group: forbidden to show or delete; admins may.
    assert p1.get(f"/os-server-groups/{other}").status == 403
    assert p1.delete(f"/os-server-groups/{other}").status == 403
    assert cloud.api.get(f"/os-server-groups/{other}").status == 200
    assert p1.delete(f"/os-server-groups/{ids[0]}").status == 204
    assert p1.get(f"/os-server-groups/{ids[0]}").status == 404
    assert cloud.api.delete(f"/os-server-groups/{other}").status == 204
    resp = p1.delete(f"/os-server-groups/{UNKNOWN}")
    assert resp.status == 404 and resp.fault[0] == "itemNotFound"
    assert _rows(cloud) == {"instance_groups": 2, "instance_group_policy": 2}


def _join(cloud, group_uuid: str, members: dict[str, bool | None]) -> None:
    """Members as the boot path writes them; value: the member's mapping
    is queued for delete (True), live (False) or missing (None)."""
    ig, igm = api_models.instance_groups, api_models.instance_group_member
    now = datetime.datetime(2024, 3, 1, 12, 0, 0)

    def work(conn):
        group_id = conn.execute(sa.select(ig.c.id).where(ig.c.uuid == group_uuid)).scalar_one()
        for uuid, deleted in members.items():
            conn.execute(sa.insert(igm).values(group_id=group_id, instance_uuid=uuid,
                                                 created_at=now))
            if deleted is not None:
                conn.execute(sa.insert(api_models.instance_mappings).values(
                    instance_uuid=uuid, project_id="p1", user_id="u1",
                    queued_for_delete=deleted, created_at=now))
    cloud.deployment.api_db.write(work)


def test_deleted_servers_leave_members_in_show_and_list(cloud):
    member = cloud.api.as_user(user="u1", project="p1")
    group = _make(member, "g", "anti-affinity")
    other = _make(member, "h", "affinity")
    live = [f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 3)]
    _join(cloud, group, {live[0]: False, "00000000-0000-4000-8000-000000000002": True,
                         live[1]: False, "00000000-0000-4000-8000-000000000004": None})
    _join(cloud, other, {"00000000-0000-4000-8000-000000000005": True})
    for version in ("2.1", "2.64"):
        shown = member.get(f"/os-server-groups/{group}", version=version)
        assert shown.status == 200, shown
        assert shown.json["server_group"]["members"] == live
        listed = {g["id"]: g["members"] for g in
                  member.get("/os-server-groups", version=version).json["server_groups"]}
        assert listed == {group: live, other: []}
