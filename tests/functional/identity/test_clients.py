"""The real OpenStack clients in catalog mode against identity + placement,
configured by the clouds.yaml nubes writes (``OS_CLIENT_CONFIG_FILE``).

Binaries come from the virtualenv running the tests; a missing one fails
the run, never skips it (``pip install -e '.[test]'`` installs them).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from nubes.identity import clouds

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clean_placement")]


def _binary(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run .venv/bin/pip install -e '.[test]'",
                    pytrace=False)
    return found


@pytest.fixture(scope="module")
def clouds_file(cloud, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clients") / "clouds.yaml"
    clouds.write_clouds_yaml(str(path), cloud.identity_url, cloud.passwords)
    return path


def _openstack(clouds_file: Path, cloud_name: str, *args: str) -> subprocess.CompletedProcess:
    # No OS_* settings and a private HOME: a developer's own clouds.yaml
    # must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(HOME=str(clouds_file.parent), OS_CLIENT_CONFIG_FILE=str(clouds_file))
    return subprocess.run([_binary("openstack"), "--os-cloud", cloud_name, *args],
                          capture_output=True, text=True, timeout=120, env=env)


def _json(result: subprocess.CompletedProcess):
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stderr}"
    return json.loads(result.stdout)


def test_cli_token_issue_and_revoke(cloud, clouds_file):
    token = _json(_openstack(clouds_file, "nubes", "token", "issue", "-f", "json"))
    assert token["id"].startswith("nubes1.")
    admin = cloud.issue("admin").json()["token"]
    assert token["project_id"] == admin["project"]["id"]
    assert token["user_id"] == admin["user"]["id"]
    headers = {"X-Auth-Token": cloud.token("admin"), "X-Subject-Token": token["id"]}
    check = requests.get(cloud.identity_url + "/v3/auth/tokens", headers=headers, timeout=30)
    assert check.status_code == 200

    revoked = _openstack(clouds_file, "nubes", "token", "revoke", token["id"])
    assert revoked.returncode == 0, revoked.stderr
    check = requests.get(cloud.identity_url + "/v3/auth/tokens", headers=headers, timeout=30)
    assert check.status_code == 404


def test_cli_resource_provider_list_through_the_catalog(cloud, clouds_file):
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = requests.post(cloud.placement_url + "/resource_providers", json={"name": name},
                            timeout=30, headers={"X-Auth-Token": cloud.token("admin"),
                                                 "OpenStack-API-Version": "placement 1.20"})
    assert created.status_code == 200, created.text
    listed = _json(_openstack(clouds_file, "nubes", "resource", "provider", "list",
                              "-f", "json"))
    assert [p["name"] for p in listed] == [name]


def test_cli_demo_is_refused_by_placement(clouds_file):
    result = _openstack(clouds_file, "nubes-demo", "resource", "provider", "list")
    assert result.returncode != 0
    assert "403" in result.stderr or "Forbidden" in result.stderr, result.stderr


def test_cli_wrong_password_is_refused_by_identity(cloud, clouds_file, tmp_path):
    text = clouds_file.read_text().replace(cloud.passwords["admin"], "wrong")
    bad = tmp_path / "clouds.yaml"
    bad.write_text(text)
    result = _openstack(bad, "nubes", "token", "issue")
    assert result.returncode != 0
    assert "401" in result.stderr, result.stderr


def test_openstacksdk_through_the_catalog(cloud, clouds_file):
    import openstack.config
    import openstack.connection

    region = openstack.config.OpenStackConfig(
        config_files=[str(clouds_file)], load_envvars=False).get_one(cloud="nubes")
    conn = openstack.connection.Connection(config=region)
    try:
        admin = cloud.issue("admin").json()["token"]
        assert conn.current_project_id == admin["project"]["id"]
        provider = conn.placement.create_resource_provider(name="sdk-rp")
        assert [p.name for p in conn.placement.resource_providers()] == ["sdk-rp"]
        assert conn.placement.get_resource_provider(provider.id).name == "sdk-rp"
        assert conn.endpoint_for("block-storage") == (
            f"http://127.0.0.1:9/v3/{admin['project']['id']}")
        assert conn.endpoint_for("placement") == cloud.placement_url
    finally:
        conn.close()


def test_openstacksdk_discovers_v3_from_the_unversioned_root(cloud):
    """An auth_url without /v3 makes keystoneauth read the 300 at / first."""
    import openstack.connection

    conn = openstack.connection.Connection(
        auth_type="password", region_name="RegionOne", interface="public",
        auth={"auth_url": cloud.identity_url, "username": "demo",
              "password": cloud.passwords["demo"], "project_name": "demo",
              "user_domain_name": "Default", "project_domain_name": "Default"})
    try:
        assert conn.current_project_id == cloud.issue("demo").json()["token"]["project"]["id"]
        assert conn.session.get_endpoint(service_type="placement",
                                         interface="public") == cloud.placement_url
    finally:
        conn.close()
