"""One real Keystone and one embedded cloud behind it for the whole session.

Keystone runs from ``.venv-keystone`` (``make install-test`` builds it);
when that venv is missing or Keystone cannot start, every test here fails
with the reason; none is skipped.
"""
from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.cloud import Api, free_port, free_ports, server_body
from tests.integration.keystone import identities as ids
from tests.integration.keystone.cloud import KeystoneCloud
from tests.integration.keystone.keystone_process import KeystoneProcess, KeystoneUnavailable

TIMINGS: dict[str, float] = {}


class Client:
    """Plain HTTP to one nubes API with one token (or none)."""

    def __init__(self, base: str, token: str | None, *, service: str | None = None,
                 version: str = "latest"):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["X-Auth-Token"] = token
        self.session.headers["Accept"] = "application/json"
        self.service, self.version = service, version

    def request(self, method: str, path: str, body=None, **headers) -> requests.Response:
        if self.service:
            headers.setdefault("OpenStack-API-Version", f"{self.service} {self.version}")
        return self.session.request(method, self.base + path, json=body, headers=headers,
                                    timeout=60)


@pytest.fixture(scope="session")
def keystone(tmp_path_factory):
    started = time.monotonic()
    ks = KeystoneProcess(tmp_path_factory.mktemp("keystone"), free_port())
    failure = None
    try:
        ks.start()
    except KeystoneUnavailable as exc:
        failure = str(exc)
    if failure:
        pytest.fail(f"a real Keystone could not be started: {failure}", pytrace=False)
    TIMINGS["keystone start"] = time.monotonic() - started
    yield ks
    ks.stop()


@pytest.fixture(scope="session")
def ports():
    return free_ports()


@pytest.fixture(scope="session")
def identities(keystone, ports) -> ids.Identities:
    started = time.monotonic()
    created = ids.create(keystone.url, {
        "compute": ports.url(ports.compute) + "/v2.1",
        "placement": ports.url(ports.placement),
        "image": ports.url(ports.image),
    })
    TIMINGS["keystone users, projects, catalog"] = time.monotonic() - started
    return created


@pytest.fixture(scope="session")
def cloud(keystone, identities, ports, tmp_path_factory):
    started = time.monotonic()
    c = KeystoneCloud(str(tmp_path_factory.mktemp("nubes")), ports, keystone.url)
    try:
        c.start()
        TIMINGS["nubes start"] = time.monotonic() - started
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def compute(cloud, identities):
    """``compute[user]``: a compute API client with that user's token."""
    base = cloud.urls["compute"] + "/v2.1"
    return {user: Api(base, token) for user, token in identities.tokens.items()}


@pytest.fixture(scope="session")
def placement(cloud, identities):
    return {user: Client(cloud.urls["placement"], token, service="placement")
            for user, token in identities.tokens.items()}


@pytest.fixture(scope="session")
def image(cloud, identities):
    return {user: Client(cloud.urls["image"], token)
            for user, token in identities.tokens.items()}


@pytest.fixture(scope="session")
def cirros(image) -> str:
    images = image["admin"].request("GET", "/v2/images").json()["images"]
    return next(i["id"] for i in images if i["name"] == "cirros")


@pytest.fixture(scope="session")
def p1_server(compute, cirros):
    """A server p1's member booted, ACTIVE."""
    api = compute["p1-member"]
    code, body = api.post("/servers", server_body(cirros, name="p1-vm"))
    assert code == 202, body
    server_id = body["server"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        code, body = api.get(f"/servers/{server_id}")
        if code == 200 and body["server"]["status"] in ("ACTIVE", "ERROR"):
            break
        time.sleep(0.1)
    assert body["server"]["status"] == "ACTIVE", body
    return body["server"]


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.write_sep("-", "keystone suite set-up times")
        for what, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{what}: {seconds:.1f}s")
