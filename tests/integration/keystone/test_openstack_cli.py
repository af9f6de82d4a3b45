"""The real clients find every nubes API through Keystone's catalog with
password auth and nothing overridden: ``openstack server list``,
``openstack resource provider list`` (osc-placement) and ``openstack
image list``; and the version documents the clients discover first answer
without a token."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.integration.keystone import identities as ids

pytestmark = pytest.mark.slow


def _openstack() -> str:
    candidate = Path(sys.executable).parent / "openstack"
    found = str(candidate) if candidate.exists() else shutil.which("openstack")
    if found is None:
        pytest.fail("openstack is not installed: run make install-test", pytrace=False)
    return found


def _cli(keystone, tmp_path, user: str, project: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["HOME"] = str(tmp_path)
    base = [_openstack(), "--os-auth-url", keystone.url, "--os-identity-api-version", "3",
            "--os-username", user, "--os-password", ids.password(user),
            "--os-project-name", project, "--os-user-domain-name", ids.DOMAIN,
            "--os-project-domain-name", ids.DOMAIN, "--os-region-name", "RegionOne"]

    def run(*argv: str, ok: bool = True):
        out = subprocess.run([*base, *argv, "-f", "json"], capture_output=True, text=True,
                             env=env, timeout=120)
        if not ok:
            return out
        assert out.returncode == 0, (argv, out.stderr)
        return json.loads(out.stdout)
    return run


@pytest.mark.parametrize("api,path", [("compute", "/"), ("compute", "/v2.1"),
                                      ("placement", "/"), ("image", "/")])
def test_version_documents_answer_without_a_token(cloud, api, path):
    resp = requests.get(cloud.urls[api] + path, timeout=30)
    assert resp.status_code in (200, 300), (resp.status_code, resp.text)


def test_member_lists_servers_and_images_through_the_catalog(keystone, p1_server, tmp_path):
    run = _cli(keystone, tmp_path, "p1-member", "p1")
    servers = run("server", "list")
    assert [(s["ID"], s["Name"], s["Status"]) for s in servers] == [
        (p1_server["id"], "p1-vm", "ACTIVE")]
    assert "cirros" in [i["Name"] for i in run("image", "list")]


def test_other_project_lists_no_servers(keystone, p1_server, tmp_path):
    assert _cli(keystone, tmp_path, "p2-member", "p2")("server", "list") == []


def test_admin_lists_every_project_and_the_providers(keystone, cloud, p1_server, tmp_path):
    run = _cli(keystone, tmp_path, "admin", "admin")
    assert p1_server["id"] in [s["ID"] for s in run("server", "list", "--all-projects")]
    providers = run("resource", "provider", "list")
    assert [p["name"] for p in providers] == ["cell1-compute1"]


def test_member_may_not_list_providers(keystone, tmp_path):
    out = _cli(keystone, tmp_path, "p1-member", "p1")("resource", "provider", "list", ok=False)
    assert out.returncode != 0
    assert "403" in out.stderr or "Forbidden" in out.stderr, out.stderr


@pytest.mark.parametrize("api,path", [("compute", "/v2.1/servers"),
                                      ("placement", "/resource_providers"),
                                      ("image", "/v2/images")])
def test_preflights_are_not_authenticated(cloud, api, path):
    """An OPTIONS request (a CORS preflight) never carries a token; it is
    the API's business (405 or 200), not a 401."""
    resp = requests.options(cloud.urls[api] + path, timeout=30)
    assert resp.status_code != 401, resp.text
