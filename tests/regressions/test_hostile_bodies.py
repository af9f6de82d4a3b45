"""JSON nested ~900 levels deep (the body, or inside ``metadata``) was a
500: the 400's message was built from the nested value and hit Python's
recursion limit.  Bodies are now bounded in depth (400) and in size (413)
by every API, with each API's own error body, and nothing is written."""
from __future__ import annotations

import json

import pytest
import requests

from nubes.common.wsgi.body import MAX_DEPTH
from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
LIMIT = 64 * 1024


class Deep:
    """A value nested ``depth`` objects deep, as JSON text (the standard
    library cannot encode one that deep)."""

    def __init__(self, depth: int):
        self.text = '{"k":' * depth + '"x"' + "}" * depth


def encode(body: object) -> bytes:
    """JSON of ``body`` with each :class:`Deep` spliced in as its text."""
    deep: list[str] = []

    def default(value):
        deep.append(value.text)
        return f"@@{len(deep) - 1}@@"
    text = json.dumps(body, default=default)
    for i, piece in enumerate(deep):
        text = text.replace(f'"@@{i}@@"', piece)
    return text.encode()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("bodies") / "state"), cells=1,
                         hosts_per_cell=1,
                         overrides={"api": {"max_request_body_size": LIMIT}})
    yield cloud
    cloud.stop()


def _post(cloud, api: str, path: str, data: bytes, **headers) -> requests.Response:
    return requests.post(cloud.embedded.urls[api] + path, data=data, timeout=30, headers={
        "X-Auth-Token": cloud.admin_token, "Content-Type": "application/json",
        "OpenStack-API-Version": "compute 2.96" if api == "compute" else "placement 1.39",
        **headers})


def _fault(body: dict) -> str:
    """The message of a compute fault body ({"badRequest": {...}})."""
    (fault,) = body.values()
    return fault["message"]


# (api, path, a body with a place for a deep value, the message of its error body)
TARGETS = [
    ("compute", "/v2.1/servers", lambda deep: {"server": {"name": "s", "metadata": deep}},
     _fault),
    ("compute", "/v2.1/os-aggregates", lambda deep: deep, _fault),
    ("placement", "/resource_providers", lambda deep: {"name": "p", "uuid": deep},
     lambda body: body["errors"][0]["detail"]),
    ("image", "/v2/images", lambda deep: {"name": "i", "deep": deep},
     lambda body: body["message"]),
]


@pytest.mark.parametrize("api,path,shape,message", TARGETS)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 5000])
def test_deep_json_is_400(cloud, api, path, shape, message, depth):
    resp = _post(cloud, api, path, encode(shape(Deep(depth))))
    assert resp.status_code == 400, resp.text
    assert "nests deeper than" in message(resp.json()) or \
        "Malformed" in message(resp.json())     # orjson refuses past 1024 levels itself


@pytest.mark.parametrize("api,path,shape,message", TARGETS)
def test_a_body_over_the_limit_is_413(cloud, api, path, shape, message):
    resp = _post(cloud, api, path, json.dumps(shape("y" * (LIMIT + 1))).encode())
    assert resp.status_code == 413, resp.text
    assert str(LIMIT) in message(resp.json())


@pytest.mark.parametrize("api,path,shape,message", TARGETS)
def test_a_body_of_unstated_length_over_the_limit_is_413(cloud, api, path, shape, message):
    data = json.dumps(shape("y" * (LIMIT + 1))).encode()
    chunks = (data[i:i + 8192] for i in range(0, len(data), 8192))   # chunked encoding
    resp = requests.post(cloud.embedded.urls[api] + path, data=chunks, timeout=30,
                         headers={"X-Auth-Token": cloud.admin_token,
                                  "Content-Type": "application/json"})
    assert resp.status_code == 413, resp.text


def test_nothing_was_written(cloud):
    listed = requests.get(cloud.embedded.urls["placement"] + "/resource_providers",
                          headers={"X-Auth-Token": cloud.admin_token}, timeout=30).json()
    assert all(rp["name"] != "p" for rp in listed["resource_providers"])
    code, servers = cloud.admin.get("/servers?all_tenants=1")
    assert code == 200 and servers["servers"] == []
