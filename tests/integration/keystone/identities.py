"""The users, projects, roles and catalog the Keystone tests use, created
through Keystone's own v3 API as the bootstrap admin, the way a deployer
(or a deployment tool) sets up a cloud:

* project ``service`` with the service user ``nubes`` holding the
  ``service`` role: keystonemiddleware validates tokens as it, and the
  nubes services call placement and the image API with its token;
* projects ``p1`` and ``p2``; in p1 a user per role (``p1-reader``,
  ``p1-member``, ``p1-manager``), in p2 ``p2-member`` and ``p2-reader``;
* ``admin`` (from ``keystone-manage bootstrap``) holds ``admin`` on project
  ``admin``;
* services and their public endpoints for compute (``nova``),
  placement and image (``glance``) in RegionOne.

Keystone's bootstrap makes the roles imply each other (admin implies
manager, manager member, member reader), so a token carries every
implied role too.
"""
from __future__ import annotations

import dataclasses

import requests

from tests.integration.keystone.keystone_process import ADMIN_PASSWORD, REGION

DOMAIN = "Default"
PASSWORD = "pass-%s"   # every test user's password: PASSWORD % name
SERVICE_USER = "nubes"
SERVICE_PROJECT = "service"

# user -> (project, role)
USERS = {
    SERVICE_USER: (SERVICE_PROJECT, "service"),
    "p1-reader": ("p1", "reader"),
    "p1-member": ("p1", "member"),
    "p1-manager": ("p1", "manager"),
    "p2-member": ("p2", "member"),
    "p2-reader": ("p2", "reader"),
}
CATALOG = (("compute", "nova"), ("placement", "placement"), ("image", "glance"))


def password(user: str) -> str:
    return ADMIN_PASSWORD if user == "admin" else PASSWORD % user


def issue_token(keystone_url: str, user: str, project: str) -> tuple[str, dict]:
    """A project-scoped token for ``user`` (password auth) and its body."""
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": DOMAIN}, "password": password(user)}}},
        "scope": {"project": {"name": project, "domain": {"name": DOMAIN}}}}}
    resp = requests.post(keystone_url + "/auth/tokens", json=body, timeout=30)
    resp.raise_for_status()
    return resp.headers["X-Subject-Token"], resp.json()["token"]


@dataclasses.dataclass
class Identities:
    keystone_url: str
    projects: dict[str, str]          # name -> id
    users: dict[str, str]             # name -> id
    tokens: dict[str, str]            # user name -> a token scoped to its project

    def token(self, user: str) -> str:
        return self.tokens[user]


class _Admin:
    def __init__(self, url: str):
        self.url = url
        token, _ = issue_token(url, "admin", "admin")
        self.session = requests.Session()
        self.session.headers["X-Auth-Token"] = token

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        resp = self.session.request(method, self.url + path, json=body, timeout=30)
        if resp.status_code >= 400:
            raise RuntimeError(f"keystone {method} {path}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else {}

    def create(self, kind: str, **fields) -> str:
        return self.call("POST", f"/{kind}s", {kind: fields})[kind]["id"]


def create(keystone_url: str, endpoints: dict[str, str]) -> Identities:
    """Everything above; ``endpoints`` maps service type -> public URL."""
    admin = _Admin(keystone_url)
    roles = {r["name"]: r["id"] for r in admin.call("GET", "/roles")["roles"]}
    projects = {p["name"]: p["id"] for p in admin.call("GET", "/projects")["projects"]}
    for name in (SERVICE_PROJECT, "p1", "p2"):
        projects[name] = admin.create("project", name=name, domain_id="default")
    users = {u["name"]: u["id"] for u in admin.call("GET", "/users")["users"]}
    for name, (project, role) in USERS.items():
        users[name] = admin.create("user", name=name, domain_id="default",
                                   password=password(name), default_project_id=projects[project])
        admin.call("PUT", f"/projects/{projects[project]}/users/{users[name]}/roles/{roles[role]}")
    for service_type, name in CATALOG:
        service_id = admin.create("service", type=service_type, name=name, enabled=True)
        admin.create("endpoint", service_id=service_id, interface="public",
                     url=endpoints[service_type], region_id=REGION, enabled=True)
    tokens = {"admin": issue_token(keystone_url, "admin", "admin")[0]}
    for name, (project, _role) in USERS.items():
        tokens[name] = issue_token(keystone_url, name, project)[0]
    return Identities(keystone_url=keystone_url, projects=projects, users=users, tokens=tokens)
