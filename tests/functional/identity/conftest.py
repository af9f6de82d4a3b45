"""An embedded-style cloud for identity tests: the identity service and a
placement app with ``[api] auth_strategy = nubes_token`` sharing one state
directory (token secret, users file), each served by waitress over real
HTTP, placement on the session's test database."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests

from nubes.common import config, tokens
from nubes.identity import app as identity_app
from nubes.identity import bootstrap
from nubes.placement import app as placement_app
from tests.fixtures.placement import reset
from tests.fixtures.servers import ThreadedServer

VOLUME_TEMPLATE = "http://127.0.0.1:9/v3/%(project_id)s"
COMPUTE_URL = "http://127.0.0.1:9/v2.1"
IMAGE_URL = "http://127.0.0.1:9/image"


@dataclasses.dataclass
class Cloud:
    state_dir: Path
    passwords: dict[str, str]
    identity_url: str
    placement_url: str
    codec: tokens.TokenCodec          # same secret and revocation file as the servers

    @property
    def users_file(self) -> Path:
        return self.state_dir / "identity.yaml"

    def post_token(self, auth: dict) -> requests.Response:
        return requests.post(self.identity_url + "/v3/auth/tokens", json={"auth": auth},
                             timeout=30)

    def issue(self, user: str, password: str | None = None, *, project: str | None = "same",
              domain: str = "Default") -> requests.Response:
        """Password auth by names; ``project="same"`` scopes to the project
        named like the user, None asks for an unscoped token."""
        if password is None:
            password = self.passwords[user]
        scope = None
        if project is not None:
            scope = {"project": {"name": user if project == "same" else project,
                                 "domain": {"id": "default"}}}
        return self.post_token(password_auth({"name": user, "domain": {"name": domain}},
                                             password, scope))

    def token(self, user: str, project: str | None = "same") -> str:
        resp = self.issue(user, project=project)
        assert resp.status_code == 201, resp.text
        return resp.headers["X-Subject-Token"]


def password_auth(user_ref: dict, password: str, scope: dict | None = None) -> dict:
    auth: dict = {"identity": {"methods": ["password"],
                               "password": {"user": {**user_ref, "password": password}}}}
    if scope is not None:
        auth["scope"] = scope
    return auth


def _conf(state_dir: Path, **groups):
    overrides = {"DEFAULT": {"state_path": str(state_dir)}}
    overrides.update(groups)
    return config.load(overrides=overrides)


@pytest.fixture(scope="module")
def cloud(placement_database, tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("identity-state")
    identity_conf = _conf(state_dir, identity={"compute_endpoint": COMPUTE_URL,
                                               "volume_endpoint": VOLUME_TEMPLATE,
                                               "image_endpoint": IMAGE_URL})
    passwords = bootstrap.ensure_files(identity_conf)
    placement_conf = _conf(state_dir, api={"auth_strategy": "nubes_token"},
                           placement_database={"connection": placement_database.url})
    with ThreadedServer(placement_app.build(placement_conf, placement_database)) as placement:
        identity_conf.set_override("placement_endpoint", placement.url, group="identity")
        with ThreadedServer(identity_app.build(identity_conf)) as identity:
            for conf in (identity_conf, placement_conf):
                conf.set_override("public_endpoint", identity.url, group="identity")
            yield Cloud(state_dir=state_dir, passwords=passwords, identity_url=identity.url,
                        placement_url=placement.url,
                        codec=tokens.codec_from_conf(identity_conf))


@pytest.fixture
def clean_placement(placement_database):
    reset(placement_database.engine)
