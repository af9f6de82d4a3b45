"""The users file: users, password hashes, projects and role assignments.

It is YAML because operators edit it by hand: YAML takes comments (the
default file explains itself), reads like the ``clouds.yaml`` and
``policy.yaml`` they already edit, and PyYAML comes with oslo.config and
oslo.policy, so it adds no dependency.  It is read with ``safe_load`` and
checked against a schema; a mistake names the file and the problem.

Everything lives in the one domain ``Default`` (id ``default``).  Names are
the keys; ids may be left out (a stable id is derived from the name).
Roles are free-form, lower-cased names; ``implied_roles`` expands them the
way Keystone's implied roles do (by default admin -> manager -> member ->
reader), and every effective role reaches the request context of every API.

The identity service rereads the file when it changes; a broken edit is
logged and the last good version stays in use.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import secrets
import string
import threading
import uuid

import jsonschema
import yaml

from nubes.identity import passwords

LOG = logging.getLogger(__name__)

DOMAIN_ID = "default"
DOMAIN_NAME = "Default"
_ID_NAMESPACE = uuid.UUID("6b0f7c1e-2f4e-4a8e-9d1c-5e0b6c3f1a27")

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_ROLE_LIST = {"type": "array", "items": _NAME}
SCHEMA = {
    "type": "object",
    "properties": {
        "projects": {"type": "object", "additionalProperties": {
            "type": ["object", "null"],
            "properties": {"id": _NAME, "description": {"type": "string"},
                           "enabled": {"type": "boolean"}},
            "additionalProperties": False,
        }},
        "users": {"type": "object", "additionalProperties": {
            "type": "object",
            "properties": {"id": _NAME, "password_hash": {"type": "string"},
                           "enabled": {"type": "boolean"},
                           "roles": {"type": "object", "additionalProperties": _ROLE_LIST}},
            "required": ["password_hash"],
            "additionalProperties": False,
        }},
        "implied_roles": {"type": "object", "additionalProperties": _ROLE_LIST},
    },
    "required": ["projects", "users"],
    "additionalProperties": False,
}


class UsersFileError(Exception):
    pass


def derived_id(kind: str, name: str) -> str:
    """The stable id of a user, project or role that has none written down."""
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}").hex


@dataclasses.dataclass(frozen=True)
class Project:
    id: str
    name: str
    description: str = ""
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class User:
    id: str
    name: str
    password_hash: str
    enabled: bool = True
    # project name -> roles assigned directly
    roles: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


class Directory:
    """One consistent reading of the users file."""

    def __init__(self, projects: list[Project], users: list[User],
                 implied_roles: dict[str, tuple[str, ...]]):
        self.projects_by_id = {p.id: p for p in projects}
        self.projects_by_name = {p.name: p for p in projects}
        self.users_by_id = {u.id: u for u in users}
        self.users_by_name = {u.name: u for u in users}
        self.implied_roles = implied_roles

    def find_user(self, *, id: str | None = None, name: str | None = None) -> User | None:
        return self.users_by_id.get(id) if id is not None else self.users_by_name.get(name)

    def find_project(self, *, id: str | None = None, name: str | None = None) -> Project | None:
        return (self.projects_by_id.get(id) if id is not None
                else self.projects_by_name.get(name))

    def effective_roles(self, user: User, project: Project) -> tuple[str, ...]:
        """Direct roles first, then the roles they imply, each once."""
        result: list[str] = []
        pending = list(user.roles.get(project.name, ()))
        while pending:
            role = pending.pop(0)
            if role not in result:
                result.append(role)
                pending.extend(self.implied_roles.get(role, ()))
        return tuple(result)

    def projects_of(self, user: User) -> list[Project]:
        """Enabled projects where the user holds a role."""
        return [self.projects_by_name[name] for name, roles in user.roles.items()
                if roles and self.projects_by_name[name].enabled]


def parse(text: str, *, source: str = "<users file>") -> Directory:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsersFileError(f"{source}: not valid YAML: {exc}") from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft7Validator(SCHEMA).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise UsersFileError(f"{source}: {where}: {error.message}")
    projects = [Project(id=str((body or {}).get("id") or derived_id("project", name)),
                        name=str(name), description=(body or {}).get("description", ""),
                        enabled=(body or {}).get("enabled", True))
                for name, body in data["projects"].items()]
    project_names = {p.name for p in projects}
    users = []
    for name, body in data["users"].items():
        roles = {}
        for project, names in (body.get("roles") or {}).items():
            project = str(project)
            if project not in project_names:
                raise UsersFileError(f"{source}: users/{name}/roles: no project named {project!r}")
            roles[project] = tuple(r.lower() for r in names)
        users.append(User(id=str(body.get("id") or derived_id("user", name)), name=str(name),
                          password_hash=body["password_hash"],
                          enabled=body.get("enabled", True), roles=roles))
    for kind, items in (("project", projects), ("user", users)):
        ids = [item.id for item in items]
        if len(ids) != len(set(ids)):
            raise UsersFileError(f"{source}: two {kind}s share an id")
    implied = {role.lower(): tuple(r.lower() for r in names)
               for role, names in (data.get("implied_roles") or {}).items()}
    return Directory(projects, users, implied)


def load(path: str) -> Directory:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise UsersFileError(f"users file {path} does not exist ([identity] users_file; "
                             "`nubes up` writes a default one)") from None
    return parse(text, source=path)


class UsersFile:
    """The file, reread when it changes; a broken edit keeps the last good reading."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._directory = load(path)

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def directory(self) -> Directory:
        stamp = self._stat()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self._directory = load(self.path)
                        LOG.info("reloaded users file %s", self.path)
                    except UsersFileError as exc:
                        LOG.error("keeping the previous users: %s", exc)
                    self._stamp = stamp
        return self._directory


DEFAULT_TEMPLATE = """\
# Users, projects and role assignments of the nubes development identity
# service (`nubes up`).  Edit freely: the service rereads this file when it
# changes.  Everything is in the domain "Default".
#
# password_hash: make one with   python -m nubes.identity.passwords
# roles:         per project, any role names.  admin, manager, member, reader
#                and service are the ones OpenStack's default policies use.
# ids:           may be left out; a stable id is derived from the name.

projects:
  admin:
    id: "{admin_project_id}"
    description: Administrators' project
  demo:
    id: "{demo_project_id}"
    description: A project for ordinary users

users:
  admin:
    id: "{admin_user_id}"
    password_hash: "{admin_hash}"
    roles:
      admin: [admin]
  demo:
    id: "{demo_user_id}"
    password_hash: "{demo_hash}"
    roles:
      demo: [member]

# A token carries the roles a user holds and every role they imply.
implied_roles:
  admin: [manager]
  manager: [member]
  member: [reader]
"""


def default_text(admin_password: str, demo_password: str) -> str:
    return DEFAULT_TEMPLATE.format(
        admin_project_id=uuid.uuid4().hex, demo_project_id=uuid.uuid4().hex,
        admin_user_id=uuid.uuid4().hex, demo_user_id=uuid.uuid4().hex,
        admin_hash=passwords.hash_password(admin_password),
        demo_hash=passwords.hash_password(demo_password))


def new_password(length: int = 20) -> str:
    """Letters and digits only: safe to paste on a command line."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def ensure(path: str) -> dict[str, str]:
    """Write the default users file unless ``path`` exists (first start).

    Returns the generated passwords, ``{"admin": ..., "demo": ...}``, when
    it wrote the file, else ``{}``: the file keeps only hashes, so the
    caller must hand them on (to ``clouds.yaml``) now.
    """
    if os.path.exists(path):
        return {}
    created = {"admin": new_password(), "demo": new_password()}
    text = default_text(created["admin"], created["demo"])
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return {}
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return created
