"""clouds.yaml for the real OpenStack clients against the embedded cloud.

Two clouds, both password auth through the identity service and its
catalog: ``nubes`` (user admin in project admin) and ``nubes-demo`` (user
demo in project demo).  Catalog mode is the one every client supports
(OSC with osc-placement, openstacksdk, the nova and cinder CLIs).
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import yaml

from nubes.identity.users_file import DOMAIN_NAME

# cloud name -> (user, project)
CLOUDS = {"nubes": ("admin", "admin"), "nubes-demo": ("demo", "demo")}


def auth_url(identity_url: str) -> str:
    url = identity_url.rstrip("/")
    return url if url.endswith("/v3") else url + "/v3"


def _cloud(identity_url: str, user: str, project: str, password: str | None,
           region_name: str) -> dict:
    auth = {"auth_url": auth_url(identity_url), "username": user}
    if password is not None:
        auth["password"] = password
    auth.update({"project_name": project, "user_domain_name": DOMAIN_NAME,
                 "project_domain_name": DOMAIN_NAME})
    return {"auth_type": "password", "auth": auth, "region_name": region_name,
            "identity_api_version": 3, "interface": "public"}


def _render(clouds: dict, path_hint: str | None) -> str:
    header = "# Written by `nubes up`."
    if path_hint:
        header += f"  Use with: export OS_CLIENT_CONFIG_FILE={path_hint}"
    return header + "\n" + yaml.safe_dump({"clouds": clouds}, sort_keys=False,
                                           default_flow_style=False)


def clouds_yaml(identity_url: str, *, passwords: Mapping[str, str],
                region_name: str = "RegionOne", path_hint: str | None = None) -> str:
    """The clouds.yaml text.  ``passwords`` maps user name -> password; a
    user missing from it gets no password (the clients then ask for one)."""
    clouds = {name: _cloud(identity_url, user, project, passwords.get(user), region_name)
              for name, (user, project) in CLOUDS.items()}
    return _render(clouds, path_hint)


def write_clouds_yaml(path: str, identity_url: str, passwords: Mapping[str, str],
                      *, region_name: str = "RegionOne") -> str:
    """Write ``path`` (mode 0600), keeping what an earlier one knew.

    The users file holds only password hashes, so passwords not given here
    are taken from the existing file, as are any clouds an operator added
    to it.  Returns ``path``.
    """
    known = dict(passwords)
    others: dict = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            existing = (yaml.safe_load(f) or {}).get("clouds") or {}
        for name, cloud in existing.items():
            if name in CLOUDS:
                user = CLOUDS[name][0]
                password = ((cloud or {}).get("auth") or {}).get("password")
                if password is not None:
                    known.setdefault(user, password)
            else:
                others[name] = cloud
    clouds = {name: _cloud(identity_url, user, project, known.get(user), region_name)
              for name, (user, project) in CLOUDS.items()}
    clouds.update(others)
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_render(clouds, path))
    os.replace(tmp, path)
    return path
