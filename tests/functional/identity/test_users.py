"""GET /v3/users[?name=&domain_id=&enabled=] and GET /v3/users/{id} over
real HTTP (``openstack user list`` failed against ``nubes up``: the
embedded identity had no /v3/users): admins list and show every user,
others show only themselves, with Keystone's bodies and errors."""
from __future__ import annotations

import requests
import yaml

USER_KEYS = {"id", "name", "domain_id", "enabled", "password_expires_at", "options", "links"}


def _get(cloud, path: str, token: str | None = None) -> requests.Response:
    headers = {"X-Auth-Token": token} if token else {}
    return requests.get(cloud.identity_url + path, headers=headers, timeout=30)


def test_admins_list_and_show_users(cloud):
    admin = cloud.token("admin")
    resp = _get(cloud, "/v3/users", admin)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["links"]["self"] == cloud.identity_url + "/v3/users"
    users = {u["name"]: u for u in body["users"]}
    assert {"admin", "demo"} <= set(users)
    demo = users["demo"]
    assert set(demo) == USER_KEYS
    assert demo["domain_id"] == "default" and demo["enabled"] is True
    assert demo["links"]["self"] == f"{cloud.identity_url}/v3/users/{demo['id']}"
    assert not any("password" in u or "password_hash" in u for u in body["users"])
    shown = _get(cloud, f"/v3/users/{demo['id']}", admin)
    assert shown.status_code == 200 and shown.json() == {"user": demo}


def test_filters(cloud):
    admin = cloud.token("admin")

    def names(query: str) -> list[str]:
        resp = _get(cloud, "/v3/users" + query, admin)
        assert resp.status_code == 200, resp.text
        return [u["name"] for u in resp.json()["users"]]
    assert names("?name=demo") == ["demo"]
    assert names("?name=nobody") == []
    assert names("?domain_id=default&name=admin") == ["admin"]
    assert names("?domain_id=elsewhere") == []
    assert "demo" in names("?enabled=true")
    assert names("?enabled=false") == []


def test_a_disabled_user_is_listed_as_disabled(cloud):
    admin = cloud.token("admin")
    text = cloud.users_file.read_text()
    data = yaml.safe_load(text)
    data["users"]["demo"]["enabled"] = False
    try:
        cloud.users_file.write_text(yaml.safe_dump(data))
        assert [u["name"] for u in _get(cloud, "/v3/users?enabled=0", admin).json()[
            "users"]] == ["demo"]
        assert "demo" not in [u["name"] for u in _get(cloud, "/v3/users?enabled=True",
                                                      admin).json()["users"]]
        (demo,) = _get(cloud, "/v3/users?name=demo", admin).json()["users"]
        assert demo["enabled"] is False
    finally:
        cloud.users_file.write_text(text)


def test_others_show_only_themselves(cloud):
    admin = cloud.token("admin")
    demo = cloud.token("demo")
    ids = {u["name"]: u["id"] for u in _get(cloud, "/v3/users", admin).json()["users"]}
    mine = _get(cloud, f"/v3/users/{ids['demo']}", demo)
    assert mine.status_code == 200 and mine.json()["user"]["name"] == "demo"
    theirs = _get(cloud, f"/v3/users/{ids['admin']}", demo)
    assert theirs.status_code == 403
    assert theirs.json()["error"]["message"].endswith("identity:get_user.")
    listed = _get(cloud, "/v3/users", demo)
    assert listed.status_code == 403 and listed.json()["error"]["code"] == 403
    assert "identity:list_users" in listed.json()["error"]["message"]


def test_unknown_users_and_missing_tokens(cloud):
    admin = cloud.token("admin")
    missing = _get(cloud, "/v3/users/nobody", admin)
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": 404, "title": "Not Found",
                                       "message": "Could not find user: nobody."}
    assert _get(cloud, "/v3/users").status_code == 401
    assert _get(cloud, "/v3/users/nobody").status_code == 401
    assert _get(cloud, "/v3/users", "not-a-token").status_code == 401


def test_the_default_domain(cloud):
    admin, demo = cloud.token("admin"), cloud.token("demo")
    shown = _get(cloud, "/v3/domains/default", demo)
    assert shown.status_code == 200, shown.text
    domain = shown.json()["domain"]
    assert (domain["id"], domain["name"], domain["enabled"]) == ("default", "Default", True)
    assert domain["links"]["self"] == cloud.identity_url + "/v3/domains/default"
    assert _get(cloud, "/v3/domains/Default", admin).status_code == 404
    assert _get(cloud, "/v3/domains?name=Default", admin).json()["domains"] == [domain]
    assert _get(cloud, "/v3/domains?name=default", admin).json()["domains"] == []
    assert _get(cloud, "/v3/domains", admin).json()["domains"] == [domain]
    refused = _get(cloud, "/v3/domains", demo)
    assert refused.status_code == 403 and "identity:list_domains" in refused.text
    assert _get(cloud, "/v3/domains/default").status_code == 401
