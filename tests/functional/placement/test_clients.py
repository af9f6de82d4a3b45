"""Placement as operators run it and as the real clients drive it.

(a) ``gunicorn -k gthread`` with several workers, configured through
    ``NUBES_CONFIG_FILE``, on a database migrated by ``nubes-manage db sync``
    (every configured backend);
(b) the ``openstack`` CLI with osc-placement against that server (SQLite).

Every binary comes from the virtualenv running the tests; a missing one
fails the run, never skips it (``pip install -e '.[test]'`` installs them).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.fixtures import databases

pytestmark = pytest.mark.slow

ADMIN = {"X-Auth-Token": "admin"}
STANDARD_TRAIT = "HW_CPU_X86_AVX2"
_LISTENING = re.compile(r"Listening at: (http://\S+)")


def _binary(name: str) -> str:
    """The console script ``name`` of this virtualenv (else on PATH)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run .venv/bin/pip install -e '.[test]'",
                    pytrace=False)
    return found


def _clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment minus any OS_* client settings and with a private
    HOME, so a developer's clouds.yaml cannot leak into a test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["HOME"] = str(tmp)
    env.update(extra)
    return env


@contextlib.contextmanager
def _gunicorn(backend: str, tmp: Path, *, workers: int = 2, threads: int = 4):
    """A migrated database on ``backend`` and gunicorn serving placement on
    it; yields the base URL."""
    database = databases.TemporaryDatabase(backend)
    proc = None
    log_path = tmp / "gunicorn.log"
    try:
        conf_path = tmp / "nubes.conf"
        conf_path.write_text(textwrap.dedent(f"""\
            [DEFAULT]
            debug = true

            [api]
            auth_strategy = noauth2

            [placement_database]
            connection = {database.url}
            """))
        sync = subprocess.run([_binary("nubes-manage"), "--config-file", str(conf_path),
                               "db", "sync"], capture_output=True, text=True, timeout=120,
                              env=_clean_env(tmp))
        assert sync.returncode == 0, sync.stderr
        assert "schema is current" in sync.stdout
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                [_binary("gunicorn"), "-k", "gthread", "-w", str(workers),
                 "--threads", str(threads), "-b", "127.0.0.1:0", "--graceful-timeout", "5",
                 "nubes.wsgi.placement:application"],
                stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
                env=_clean_env(tmp, NUBES_CONFIG_FILE=str(conf_path)))
        url = _wait_until_serving(proc, log_path)
        yield url
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        database.drop()


def _wait_until_serving(proc: subprocess.Popen, log_path: Path, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()}")
        if url is None:
            match = _LISTENING.search(log_path.read_text())
            url = match.group(1) if match else None
        if url is not None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + "/", timeout=5).status_code == 200:
                    return url
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not serve within {timeout}s:\n{log_path.read_text()}")


# -- (a) gunicorn -k gthread, several workers ---------------------------------------

@pytest.fixture(scope="module", params=databases.backends())
def gunicorn_url(request, tmp_path_factory):
    with _gunicorn(request.param, tmp_path_factory.mktemp(f"gunicorn-{request.param}")) as url:
        yield url


def _call(method: str, url: str, version: str | None = "1.39", **kwargs) -> requests.Response:
    headers = dict(ADMIN)
    if version:
        headers["OpenStack-API-Version"] = f"placement {version}"
    headers.update(kwargs.pop("headers", {}))
    return requests.request(method, url, headers=headers, timeout=30, **kwargs)


def test_gunicorn_serves_the_version_document(gunicorn_url):
    resp = requests.get(gunicorn_url + "/", timeout=10)
    assert resp.status_code == 200
    versions = resp.json()["versions"]
    assert versions[0]["id"] == "v1.0"
    assert versions[0]["max_version"] == "1.39"
    assert resp.headers["x-openstack-request-id"].startswith("req-")


def test_gunicorn_provider_and_traits_round_trip(gunicorn_url):
    name = f"gunicorn-{uuid.uuid4().hex[:8]}"
    created = _call("POST", gunicorn_url + "/resource_providers", json={"name": name})
    assert created.status_code == 200, created.text
    rp = created.json()
    trait = f"CUSTOM_G_{uuid.uuid4().hex[:8].upper()}"
    assert _call("PUT", f"{gunicorn_url}/traits/{trait}").status_code == 201
    put = _call("PUT", f"{gunicorn_url}/resource_providers/{rp['uuid']}/traits",
                json={"traits": [trait, STANDARD_TRAIT], "resource_provider_generation": 0})
    assert put.status_code == 200, put.text
    assert put.json()["resource_provider_generation"] == 1
    listed = _call("GET", gunicorn_url + "/resource_providers",
                   params={"required": trait}).json()["resource_providers"]
    assert [p["uuid"] for p in listed] == [rp["uuid"]]
    assert _call("DELETE", f"{gunicorn_url}/traits/{trait}").status_code == 409


def test_gunicorn_errors_are_placement_json(gunicorn_url):
    missing = _call("GET", gunicorn_url + "/resource_providers/" + str(uuid.uuid4()))
    assert missing.status_code == 404
    error = missing.json()["errors"][0]
    assert error["code"] == "placement.resource_provider.not_found"
    assert error["request_id"] == missing.headers["x-openstack-request-id"]
    assert _call("GET", gunicorn_url + "/traits", version="1.99").status_code == 406
    assert requests.get(gunicorn_url + "/traits", timeout=10).status_code == 401


def test_gunicorn_workers_agree_under_concurrency(gunicorn_url):
    """Many clients at once across two worker processes: one create wins,
    one generation-guarded write wins, the rest get the documented codes."""
    trait = f"CUSTOM_RACE_{uuid.uuid4().hex[:8].upper()}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(
            lambda _: _call("PUT", f"{gunicorn_url}/traits/{trait}").status_code, range(16)))
    assert statuses == [201] + [204] * 15

    rp = _call("POST", gunicorn_url + "/resource_providers",
               json={"name": f"race-{uuid.uuid4().hex[:8]}"}).json()
    path = f"{gunicorn_url}/resource_providers/{rp['uuid']}/traits"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(
            lambda _: _call("PUT", path, json={"traits": [trait],
                                               "resource_provider_generation": 0}),
            range(8)))
    assert sorted(r.status_code for r in results) == [200] + [409] * 7
    assert {r.json()["errors"][0]["code"] for r in results if r.status_code == 409} == {
        "placement.concurrent_update"}


# -- (b) the openstack CLI with osc-placement ------------------------------------------

@pytest.fixture(scope="module")
def cli_server(tmp_path_factory):
    with _gunicorn("sqlite", tmp_path_factory.mktemp("gunicorn-cli")) as url:
        yield url


class OpenStackCLI:
    """``openstack`` with the admin_token plugin pointed at placement."""

    def __init__(self, url: str, home: Path):
        self.url = url
        self.home = home
        self.binary = _binary("openstack")

    def __call__(self, *args: str, version: str = "1.39", auth: list[str] | None = None,
                 env: dict[str, str] | None = None, expect_ok: bool = True):
        if auth is None:
            auth = ["--os-auth-type", "admin_token", "--os-token", "admin",
                    "--os-endpoint", self.url]
        cmd = [self.binary, *auth, "--os-placement-api-version", version, *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                                env=_clean_env(self.home, **(env or {})))
        if expect_ok:
            assert result.returncode == 0, (
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        if "-f" in args and args[args.index("-f") + 1] == "json" and result.returncode == 0:
            return json.loads(result.stdout)
        return result


@pytest.fixture
def openstack(cli_server, tmp_path) -> OpenStackCLI:
    return OpenStackCLI(cli_server, tmp_path)


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_cli_resource_provider_lifecycle(openstack):
    name = _unique("cli-rp-")
    created = openstack("resource", "provider", "create", name, "-f", "json")
    assert created["name"] == name and created["generation"] == 0
    rp_uuid = created["uuid"]
    listed = openstack("resource", "provider", "list", "-f", "json")
    assert rp_uuid in [p["uuid"] for p in listed]
    shown = openstack("resource", "provider", "show", rp_uuid, "-f", "json")
    assert shown["name"] == name and shown["root_provider_uuid"] == rp_uuid
    by_name = openstack("resource", "provider", "list", "--name", name, "-f", "json")
    assert [p["uuid"] for p in by_name] == [rp_uuid]
    openstack("resource", "provider", "delete", rp_uuid)
    gone = openstack("resource", "provider", "show", rp_uuid, expect_ok=False)
    assert gone.returncode != 0
    assert "404" in gone.stderr or "No resource provider" in gone.stderr


def test_cli_resource_classes(openstack):
    name = _unique("CUSTOM_CLI_").upper()
    openstack("resource", "class", "create", name)
    names = [rc["name"] for rc in openstack("resource", "class", "list", "-f", "json")]
    assert name in names and "VCPU" in names
    shown = openstack("resource", "class", "show", name, "-f", "json")
    assert shown["name"] == name
    openstack("resource", "class", "delete", name)
    assert name not in [rc["name"] for rc in openstack("resource", "class", "list", "-f", "json")]


def test_cli_traits(openstack):
    names = [t["name"] for t in openstack("trait", "list", "-f", "json")]
    assert STANDARD_TRAIT in names
    trait = _unique("CUSTOM_CLI_").upper()
    openstack("trait", "create", trait)
    assert openstack("trait", "show", trait, "-f", "json")["name"] == trait
    rp_uuid = openstack("resource", "provider", "create", _unique("cli-traits-"),
                        "-f", "json")["uuid"]
    set_ = openstack("resource", "provider", "trait", "set", rp_uuid,
                     "--trait", trait, "--trait", STANDARD_TRAIT, "-f", "json")
    assert sorted(t["name"] for t in set_) == sorted([trait, STANDARD_TRAIT])
    listed = openstack("resource", "provider", "trait", "list", rp_uuid, "-f", "json")
    assert sorted(t["name"] for t in listed) == sorted([trait, STANDARD_TRAIT])
    associated = openstack("trait", "list", "--associated", "--name", f"startswith:{trait}",
                           "-f", "json")
    assert [t["name"] for t in associated] == [trait]
    in_use = openstack("trait", "delete", trait, expect_ok=False)
    assert in_use.returncode != 0 and "409" in in_use.stderr
    openstack("resource", "provider", "trait", "delete", rp_uuid)
    assert openstack("resource", "provider", "trait", "list", rp_uuid, "-f", "json") == []
    assert openstack("resource", "provider", "show", rp_uuid, "-f", "json")["generation"] == 2
    openstack("trait", "delete", trait)
    openstack("resource", "provider", "delete", rp_uuid)


def test_cli_reports_placement_errors(openstack):
    missing = openstack("trait", "show", "CUSTOM_CLI_MISSING", expect_ok=False)
    assert missing.returncode != 0 and "404" in missing.stderr
    standard = openstack("trait", "delete", STANDARD_TRAIT, expect_ok=False)
    assert standard.returncode != 0 and "400" in standard.stderr
    not_custom = openstack("resource", "class", "create", "NOT_CUSTOM", expect_ok=False)
    assert not_custom.returncode != 0 and "400" in not_custom.stderr


def test_cli_with_a_clouds_yaml(openstack, cli_server, tmp_path):
    """The reference clouds.yaml shape for osc-placement without Keystone."""
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(textwrap.dedent(f"""\
        clouds:
          nubes-placement:
            auth_type: admin_token
            auth:
              endpoint: {cli_server}
              token: admin
        """))
    listed = openstack("resource", "class", "list", "-f", "json",
                       auth=["--os-cloud", "nubes-placement"],
                       env={"OS_CLIENT_CONFIG_FILE": str(clouds)})
    assert "VCPU" in [rc["name"] for rc in listed]


def test_cli_inventory_set_and_list(openstack):
    rp_uuid = openstack("resource", "provider", "create", _unique("cli-inv-"),
                        "-f", "json")["uuid"]
    openstack("resource", "provider", "inventory", "set", rp_uuid,
              "--resource", "VCPU=8", "--resource", "MEMORY_MB=4096",
              "--resource", "VCPU:allocation_ratio=4.0", "-f", "json")
    inventories = {i["resource_class"]: i for i in openstack(
        "resource", "provider", "inventory", "list", rp_uuid, "-f", "json")}
    assert set(inventories) == {"VCPU", "MEMORY_MB"}
    assert inventories["VCPU"]["total"] == 8
    assert inventories["VCPU"]["allocation_ratio"] == 4.0
    assert inventories["MEMORY_MB"]["total"] == 4096
    openstack("resource", "provider", "delete", rp_uuid)


def test_cli_allocation_set_and_show(openstack):
    rp_uuid = openstack("resource", "provider", "create", _unique("cli-alloc-"),
                        "-f", "json")["uuid"]
    openstack("resource", "provider", "inventory", "set", rp_uuid,
              "--resource", "VCPU=8", "--resource", "MEMORY_MB=4096")
    consumer = str(uuid.uuid4())
    project, user = str(uuid.uuid4()), str(uuid.uuid4())
    set_ = openstack("resource", "provider", "allocation", "set", consumer,
                     "--allocation", f"rp={rp_uuid},VCPU=2,MEMORY_MB=512",
                     "--project-id", project, "--user-id", user,
                     "--consumer-type", "INSTANCE", "-f", "json")
    assert len(set_) == 1 and set_[0]["resource_provider"] == rp_uuid
    shown = openstack("resource", "provider", "allocation", "show", consumer, "-f", "json")
    assert len(shown) == 1
    assert shown[0]["resource_provider"] == rp_uuid
    assert shown[0]["resources"] == {"VCPU": 2, "MEMORY_MB": 512}
    assert shown[0]["project_id"] == project and shown[0]["user_id"] == user
    assert shown[0]["consumer_type"] == "INSTANCE"
    # A provider with allocations cannot go; once they are gone it can.
    assert openstack("resource", "provider", "delete", rp_uuid, expect_ok=False).returncode != 0
    openstack("resource", "provider", "allocation", "delete", consumer)
    assert openstack("resource", "provider", "allocation", "show", consumer, "-f", "json") == []
    openstack("resource", "provider", "delete", rp_uuid)
