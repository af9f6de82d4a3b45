"""The identity API over real HTTP: version documents, token issue,
validation, revocation, re-scoping, the /v3/auth listings and errors."""
from __future__ import annotations

import datetime

import pytest
import requests

from nubes.common import timeutils
from nubes.identity import passwords
from tests.functional.identity.conftest import COMPUTE_URL, IMAGE_URL, password_auth

AUTH_REQUIRED = "The request you have made requires authentication."


def _get(cloud, path: str, token: str | None = None, subject: str | None = None,
         method: str = "GET") -> requests.Response:
    headers = {}
    if token:
        headers["X-Auth-Token"] = token
    if subject:
        headers["X-Subject-Token"] = subject
    return requests.request(method, cloud.identity_url + path, headers=headers, timeout=30)


def _assert_unauthorized(cloud, resp: requests.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.json() == {"error": {"code": 401, "title": "Unauthorized",
                                     "message": AUTH_REQUIRED}}
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{cloud.identity_url}"'
    assert "X-Subject-Token" not in resp.headers


def _project_id(cloud, name: str) -> str:
    resp = cloud.issue(name)
    return resp.json()["token"]["project"]["id"]


# -- version documents ----------------------------------------------------------------

def test_root_lists_v3_with_multiple_choices(cloud):
    resp = requests.get(cloud.identity_url + "/", timeout=10)
    assert resp.status_code == 300
    (v3,) = resp.json()["versions"]["values"]
    assert v3["id"] == "v3.14" and v3["status"] == "stable"
    assert v3["links"] == [{"rel": "self", "href": cloud.identity_url + "/v3/"}]
    assert v3["media-types"] == [{"base": "application/json",
                                  "type": "application/vnd.openstack.identity-v3+json"}]
    assert resp.headers["x-openstack-request-id"].startswith("req-")


@pytest.mark.parametrize("path", ["/v3", "/v3/"])
def test_v3_version_document(cloud, path):
    resp = requests.get(cloud.identity_url + path, timeout=10)
    assert resp.status_code == 200
    version = resp.json()["version"]
    assert version["id"] == "v3.14"
    assert version["links"][0]["href"] == cloud.identity_url + "/v3/"


# -- issue ------------------------------------------------------------------------------

def test_admin_token_by_names(cloud):
    resp = cloud.issue("admin")
    assert resp.status_code == 201, resp.text
    token_id = resp.headers["X-Subject-Token"]
    assert token_id.startswith("nubes1.")
    token = resp.json()["token"]
    assert token["methods"] == ["password"]
    assert token["user"]["name"] == "admin"
    assert token["user"]["domain"] == {"id": "default", "name": "Default"}
    assert token["project"]["name"] == "admin"
    assert token["project"]["domain"] == {"id": "default", "name": "Default"}
    assert token["is_domain"] is False
    assert [r["name"] for r in token["roles"]] == ["admin", "manager", "member", "reader"]
    assert all(r["id"] for r in token["roles"])
    assert len(token["audit_ids"]) == 1
    issued = datetime.datetime.strptime(token["issued_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    expires = datetime.datetime.strptime(token["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert expires - issued == datetime.timedelta(seconds=3600)


def test_catalog_has_every_configured_service(cloud):
    token = cloud.issue("admin").json()["token"]
    project_id = token["project"]["id"]
    by_type = {entry["type"]: entry for entry in token["catalog"]}
    assert set(by_type) == {"compute", "placement", "block-storage", "volumev3", "image",
                            "identity"}
    assert {t: e["name"] for t, e in by_type.items()} == {
        "compute": "nova", "placement": "placement", "block-storage": "cinder",
        "volumev3": "cinderv3", "image": "glance", "identity": "keystone"}
    urls = {}
    for service_type, entry in by_type.items():
        (endpoint,) = entry["endpoints"]
        assert endpoint["interface"] == "public"
        assert endpoint["region"] == endpoint["region_id"] == "RegionOne"
        assert endpoint["id"] and entry["id"]
        urls[service_type] = endpoint["url"]
    assert urls["compute"] == COMPUTE_URL
    assert urls["placement"] == cloud.placement_url
    assert urls["block-storage"] == urls["volumev3"] == f"http://127.0.0.1:9/v3/{project_id}"
    assert urls["image"] == IMAGE_URL
    assert urls["identity"] == cloud.identity_url


def test_demo_is_member_and_reader_of_demo(cloud):
    token = cloud.issue("demo").json()["token"]
    assert token["project"]["name"] == "demo"
    assert [r["name"] for r in token["roles"]] == ["member", "reader"]
    volume = next(e for e in token["catalog"] if e["type"] == "volumev3")
    assert volume["endpoints"][0]["url"].endswith("/" + token["project"]["id"])


def test_token_by_user_id_and_project_id(cloud):
    named = cloud.issue("demo").json()["token"]
    auth = password_auth({"id": named["user"]["id"]}, cloud.passwords["demo"],
                         {"project": {"id": named["project"]["id"]}})
    resp = cloud.post_token(auth)
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["user"]["name"] == "demo" and token["project"]["name"] == "demo"


def test_unscoped_token_has_no_project_or_catalog(cloud):
    resp = cloud.issue("admin", project=None)
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["user"]["name"] == "admin"
    assert "project" not in token and "roles" not in token and "catalog" not in token


def test_nocatalog_on_issue(cloud):
    auth = password_auth({"name": "demo", "domain": {"id": "default"}}, cloud.passwords["demo"],
                         {"project": {"name": "demo", "domain": {"name": "Default"}}})
    resp = requests.post(cloud.identity_url + "/v3/auth/tokens?nocatalog",
                         json={"auth": auth}, timeout=30)
    assert resp.status_code == 201
    assert "catalog" not in resp.json()["token"]


def test_rescope_with_the_token_method(cloud):
    unscoped = cloud.issue("admin", project=None)
    parent_id = unscoped.headers["X-Subject-Token"]
    parent = unscoped.json()["token"]
    demo_project = _project_id(cloud, "demo")
    # admin holds no role on demo yet: re-scoping there fails like a password would.
    denied = cloud.post_token({"identity": {"methods": ["token"], "token": {"id": parent_id}},
                               "scope": {"project": {"id": demo_project}}})
    _assert_unauthorized(cloud, denied)
    resp = cloud.post_token({"identity": {"methods": ["token"], "token": {"id": parent_id}},
                             "scope": {"project": {"name": "admin",
                                                   "domain": {"name": "Default"}}}})
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["methods"] == ["token"]
    assert token["project"]["name"] == "admin"
    assert token["expires_at"] == parent["expires_at"]
    assert token["audit_ids"][1] == parent["audit_ids"][0]
    assert resp.headers["X-Subject-Token"] != parent_id


# -- bad credentials and malformed requests -----------------------------------------------

@pytest.mark.parametrize("user,password,project,domain", [
    ("admin", "wrong-password", "same", "Default"),
    ("nobody", "whatever", "admin", "Default"),
    ("admin", None, "same", "OtherDomain"),
    ("demo", None, "admin", "Default"),          # no role on the admin project
    ("admin", None, "no-such-project", "Default"),
    ("admin", "", "same", "Default"),
])
def test_bad_credentials_get_keystones_401(cloud, user, password, project, domain):
    _assert_unauthorized(cloud, cloud.issue(user, password, project=project, domain=domain))


def test_unsupported_scopes_and_methods_get_401(cloud):
    user = {"name": "admin", "domain": {"name": "Default"}}
    domain_scope = password_auth(user, cloud.passwords["admin"], {"domain": {"id": "default"}})
    _assert_unauthorized(cloud, cloud.post_token(domain_scope))
    app_cred = {"identity": {"methods": ["application_credential"],
                             "application_credential": {"id": "x", "secret": "y"}}}
    _assert_unauthorized(cloud, cloud.post_token(app_cred))
    garbage = {"identity": {"methods": ["token"], "token": {"id": "nubes1.a.b"}}}
    _assert_unauthorized(cloud, cloud.post_token(garbage))


@pytest.mark.parametrize("payload", [
    {},
    {"auth": {}},
    {"auth": {"identity": {"methods": []}}},
    {"auth": {"identity": {"methods": ["password"], "password": {"user": {"password": "x"}}}}},
    {"auth": {"identity": {"methods": ["password"]}, "scope": "everything"}},
])
def test_malformed_auth_gets_400(cloud, payload):
    resp = requests.post(cloud.identity_url + "/v3/auth/tokens", json=payload, timeout=30)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["code"] == 400 and error["title"] == "Bad Request" and error["message"]


def test_unknown_path_is_a_keystone_404(cloud):
    resp = _get(cloud, "/v3/groups", token=cloud.token("admin"))
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == 404


# -- validate, check, revoke ---------------------------------------------------------------

def test_validate_own_token(cloud):
    issued = cloud.issue("demo")
    token_id = issued.headers["X-Subject-Token"]
    resp = _get(cloud, "/v3/auth/tokens", token=token_id, subject=token_id)
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Subject-Token"] == token_id
    assert resp.json() == issued.json()
    head = _get(cloud, "/v3/auth/tokens", token=token_id, subject=token_id, method="HEAD")
    assert head.status_code == 200 and head.content == b""
    bare = _get(cloud, "/v3/auth/tokens?nocatalog", token=token_id, subject=token_id)
    assert "catalog" not in bare.json()["token"]


def test_validate_needs_a_good_caller_token(cloud):
    subject = cloud.token("demo")
    _assert_unauthorized(cloud, _get(cloud, "/v3/auth/tokens", subject=subject))
    _assert_unauthorized(cloud, _get(cloud, "/v3/auth/tokens", token="admin", subject=subject))


def test_only_admins_validate_other_users_tokens(cloud):
    admin, demo = cloud.token("admin"), cloud.token("demo")
    assert _get(cloud, "/v3/auth/tokens", token=admin, subject=demo).status_code == 200
    denied = _get(cloud, "/v3/auth/tokens", token=demo, subject=admin)
    assert denied.status_code == 403
    assert denied.json()["error"]["title"] == "Forbidden"


def test_expired_token(cloud):
    admin = cloud.token("admin")
    past = timeutils.utcnow() - datetime.timedelta(hours=2)
    expired, _ = cloud.codec.issue(user_id="u", user_name="admin", project_id="p",
                                   project_name="admin", roles=("admin",), now=past, ttl=3600)
    resp = _get(cloud, "/v3/auth/tokens", token=admin, subject=expired)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == f"Could not find token: {expired}"
    _assert_unauthorized(cloud, _get(cloud, "/v3/auth/projects", token=expired))


def test_revoked_token_stops_working_with_its_rescoped_children(cloud):
    parent_id = cloud.issue("admin", project=None).headers["X-Subject-Token"]
    child = cloud.post_token({"identity": {"methods": ["token"], "token": {"id": parent_id}},
                              "scope": {"project": {"name": "admin",
                                                    "domain": {"name": "Default"}}}})
    child_id = child.headers["X-Subject-Token"]
    other = cloud.token("admin")
    assert _get(cloud, "/v3/auth/tokens", token=parent_id, subject=parent_id,
                method="DELETE").status_code == 204
    assert _get(cloud, "/v3/auth/tokens", token=other, subject=parent_id).status_code == 404
    assert _get(cloud, "/v3/auth/tokens", token=other, subject=child_id).status_code == 404
    _assert_unauthorized(cloud, _get(cloud, "/v3/auth/projects", token=child_id))
    # Tokens of the same user issued separately are untouched.
    assert _get(cloud, "/v3/auth/tokens", token=other, subject=other).status_code == 200


# -- /v3/auth/catalog, /v3/auth/projects, /v3/auth/domains ---------------------------------

def test_auth_catalog(cloud):
    issued = cloud.issue("demo")
    resp = _get(cloud, "/v3/auth/catalog", token=issued.headers["X-Subject-Token"])
    assert resp.status_code == 200
    assert resp.json()["catalog"] == issued.json()["token"]["catalog"]
    unscoped = cloud.token("demo", project=None)
    assert _get(cloud, "/v3/auth/catalog", token=unscoped).status_code == 403
    _assert_unauthorized(cloud, _get(cloud, "/v3/auth/catalog"))


def test_auth_projects_and_domains(cloud):
    unscoped = cloud.token("demo", project=None)
    resp = _get(cloud, "/v3/auth/projects", token=unscoped)
    assert resp.status_code == 200
    (project,) = resp.json()["projects"]
    assert project["name"] == "demo" and project["domain_id"] == "default"
    assert project["enabled"] is True and project["is_domain"] is False
    assert resp.json()["links"]["self"] == cloud.identity_url + "/v3/auth/projects"
    domains = _get(cloud, "/v3/auth/domains", token=unscoped)
    assert domains.status_code == 200 and domains.json()["domains"] == []
    _assert_unauthorized(cloud, _get(cloud, "/v3/auth/projects"))


# -- the users file ----------------------------------------------------------------------------

def test_users_file_edits_apply_without_restart(cloud):
    original = cloud.users_file.read_text()
    auditor = (f"  auditor:\n    password_hash: \"{passwords.hash_password('audit-pw')}\"\n"
               "    roles:\n      demo: [Reader]\n      admin: [reader, manager]\n")
    try:
        cloud.users_file.write_text(original.replace("\nusers:\n", "\nusers:\n" + auditor))
        demo = cloud.issue("auditor", "audit-pw", project="demo")
        assert demo.status_code == 201, demo.text
        assert [r["name"] for r in demo.json()["token"]["roles"]] == ["reader"]
        admin = cloud.issue("auditor", "audit-pw", project="admin")
        assert [r["name"] for r in admin.json()["token"]["roles"]] == [
            "reader", "manager", "member"]
        # A broken edit is logged and the last good users stay.
        cloud.users_file.write_text(original + "\nusers: [not, a, mapping]\n")
        assert cloud.issue("auditor", "audit-pw", project="demo").status_code == 201
    finally:
        cloud.users_file.write_text(original)
    _assert_unauthorized(cloud, cloud.issue("auditor", "audit-pw", project="demo"))
    assert cloud.issue("admin").status_code == 201
