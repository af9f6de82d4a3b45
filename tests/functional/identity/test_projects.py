"""GET /v3/projects/{id} and GET /v3/projects[?name=] over real HTTP: the
lookups clients make before naming a project to another service."""
from __future__ import annotations

import requests


def _get(cloud, path: str, token: str | None = None) -> requests.Response:
    headers = {"X-Auth-Token": token} if token else {}
    return requests.get(cloud.identity_url + path, headers=headers, timeout=30)


def test_admins_find_any_project_by_id_or_name(cloud):
    admin = cloud.token("admin")
    found = _get(cloud, "/v3/projects?name=demo", admin)
    assert found.status_code == 200, found.text
    (demo,) = found.json()["projects"]
    assert demo["name"] == "demo" and demo["domain_id"] == "default"
    shown = _get(cloud, f"/v3/projects/{demo['id']}", admin)
    assert shown.status_code == 200 and shown.json()["project"] == demo
    names = {p["name"] for p in _get(cloud, "/v3/projects", admin).json()["projects"]}
    assert {"admin", "demo"} <= names
    missing = _get(cloud, "/v3/projects/demo", admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 404
    assert _get(cloud, "/v3/projects?name=nope", admin).json()["projects"] == []


def test_others_see_their_own_projects_only(cloud):
    demo = cloud.token("demo")
    admin_id = _get(cloud, "/v3/projects?name=admin", cloud.token("admin")).json()[
        "projects"][0]["id"]
    assert [p["name"] for p in _get(cloud, "/v3/projects", demo).json()["projects"]] == \
        ["demo"]
    assert _get(cloud, "/v3/projects?name=admin", demo).json()["projects"] == []
    assert _get(cloud, f"/v3/projects/{admin_id}", demo).status_code == 403
    assert _get(cloud, "/v3/projects").status_code == 401
