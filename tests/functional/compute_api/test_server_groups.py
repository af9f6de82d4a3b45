"""os-server-groups over real HTTP: create by microversion (policies
before 2.64, policy and rules from 2.64, soft policies from 2.15), list
(own project, all_projects for admins, limit/offset), show, delete,
validation and policy."""
from __future__ import annotations

import pytest

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
