"""The compute API's /images proxy (2.1-2.35) through real HTTP on an
embedded cloud, against its real image API."""
from __future__ import annotations

import datetime
import urllib.parse

import pytest
import requests

from tests.fixtures.cloud import ServersCloud

pytestmark = pytest.mark.slow
V = "2.35"
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"
SERVER = "3c7f5b1e-8d4b-4e59-9a5e-3f6a1d2c9b10"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("images") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


def _image_api(cloud, token, method, path, body=None, content_type="application/json"):
    resp = requests.request(method, cloud.embedded.urls["image"] + path, json=body,
                            headers={"X-Auth-Token": token, "Content-Type": content_type},
                            timeout=30)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else None


def _create(cloud, token, **fields):
    body = {"disk_format": "qcow2", "container_format": "bare", **fields}
    return _image_api(cloud, token, "POST", "/v2/images", body)["id"]


@pytest.fixture(scope="module")
def images(cloud):
    """snap: a demo snapshot of SERVER (queued, private, min_ram 256);
    secret: an admin private image; cirros: the public image."""
    snap = _create(cloud, cloud.demo_token, name="snap", min_ram=256, min_disk=2,
                   visibility="private", instance_uuid=SERVER, image_type="snapshot",
                   auto_disk_config="true", color="blue")
    secret = _create(cloud, cloud.admin_token, name="secret", visibility="private")
    return {"snap": snap, "secret": secret, "cirros": cloud.image_id()}


def _get(api, path, version=V):
    return api.get(path, version=version)


def test_list_and_detail(cloud, images):
    code, body = _get(cloud.demo, "/images")
    assert code == 200, body
    listed = {i["name"]: i for i in body["images"]}
    assert set(listed) == {"snap", "cirros"}          # not the admin's private image
    snap = listed["snap"]
    assert set(snap) == {"id", "name", "links"}
    rels = [link["rel"] for link in snap["links"]]
    assert rels == ["self", "bookmark", "alternate"]
    assert snap["links"][0]["href"] == cloud.compute_url + f"/images/{images['snap']}"
    assert snap["links"][2]["href"].endswith(f"/images/{images['snap']}")
    assert snap["links"][2]["type"] == "application/vnd.openstack.image"
    code, body = _get(cloud.demo, "/images/detail")
    detail = {i["name"]: i for i in body["images"]}
    d = detail["snap"]
    assert (d["status"], d["progress"], d["minRam"], d["minDisk"]) == ("SAVING", 25, 256, 2)
    assert d["metadata"] == {"instance_uuid": SERVER, "image_type": "snapshot",
                             "auto_disk_config": "true", "color": "blue"}
    assert d["server"]["id"] == SERVER and d["OS-DCF:diskConfig"] == "AUTO"
    assert d["OS-EXT-IMG-SIZE:size"] is None
    datetime.datetime.strptime(d["created"], "%Y-%m-%dT%H:%M:%SZ")
    c = detail["cirros"]
    assert (c["status"], c["progress"]) == ("ACTIVE", 100)
    assert c["OS-EXT-IMG-SIZE:size"] > 0 and "server" not in c
    code, shown = _get(cloud.demo, f"/images/{images['snap']}")
    assert code == 200 and shown["image"] == d
    assert {i["name"] for i in _get(cloud.admin, "/images")[1]["images"]} >= {"secret"}


@pytest.mark.parametrize("query, names", [
    ("name=snap", {"snap"}),
    ("status=ACTIVE", {"cirros"}),
    ("status=queued", {"snap"}),
    (f"server={SERVER}", {"snap"}),
    (f"server=http://example.com/v2.1/servers/{SERVER}", {"snap"}),
    ("type=snapshot", {"snap"}),
    ("property-color=blue", {"snap"}),
    ("minRam=100", {"snap"}),
    ("minDisk=3", set()),
    ("changes-since=2000-01-01T00:00:00Z", {"snap", "cirros"}),
    ("changes-since=2999-01-01T00:00:00Z", set()),
])
def test_filters(cloud, images, query, names):
    code, body = _get(cloud.demo, "/images/detail?" + query)
    assert code == 200, body
    assert {i["name"] for i in body["images"]} == names


def test_paging(cloud, images):
    seen, path = [], "/images?limit=1"
    while path:
        code, body = _get(cloud.demo, path)
        assert code == 200, body
        assert len(body["images"]) <= 1
        seen += [i["id"] for i in body["images"]]
        links = body.get("images_links")
        path = links[0]["href"].split("/v2.1", 1)[1] if links else None
    assert sorted(seen) == sorted([images["snap"], images["cirros"]])
    assert len(seen) == 2
    code, body = _get(cloud.demo, f"/images?marker={MISSING}")
    assert code == 400 and "badRequest" in body


@pytest.mark.parametrize("query", ["status=nonsense", "changes-since=yesterday",
                                   "minRam=-1", "minDisk=x", "limit=-1", "limit=x"])
def test_bad_queries(cloud, images, query):
    code, body = _get(cloud.demo, "/images/detail?" + query)
    assert code == 400 and "badRequest" in body, body


def test_not_found_and_window(cloud, images):
    for path in (f"/images/{MISSING}", "/images/not-a-uuid", f"/images/{images['secret']}",
                 f"/images/{MISSING}/metadata", f"/images/{images['secret']}/metadata/k"):
        code, body = _get(cloud.demo, path)
        assert code == 404 and "itemNotFound" in body, path
    for path in ("/images", "/images/detail", f"/images/{images['snap']}",
                 f"/images/{images['snap']}/metadata"):
        assert _get(cloud.demo, path, version="2.36")[0] == 404, path
        assert _get(cloud.demo, path, version="2.1")[0] == 200, path
    assert cloud.demo.delete(f"/images/{images['snap']}", version="2.36")[0] == 404


def test_delete(cloud, images):
    doomed = _create(cloud, cloud.demo_token, name="doomed")
    code, body = cloud.demo.delete(f"/images/{images['cirros']}", version=V)
    assert code == 403 and "forbidden" in body        # the admin's public image
    assert cloud.demo.delete(f"/images/{images['secret']}", version=V)[0] == 404
    assert cloud.demo.delete(f"/images/{doomed}", version=V)[0] == 204
    assert _get(cloud.demo, f"/images/{doomed}")[0] == 404
    assert cloud.demo.delete(f"/images/{doomed}", version=V)[0] == 404


def _meta(cloud, image, method, key=None, body=None, api=None):
    path = f"/images/{image}/metadata" + (f"/{urllib.parse.quote(key)}" if key else "")
    return (api or cloud.demo).request(method, path, body, version=V)


def test_metadata(cloud):
    image = _create(cloud, cloud.demo_token, name="meta", a="1", b="2")
    assert _meta(cloud, image, "GET") == (200, {"metadata": {"a": "1", "b": "2"}})
    code, body = _meta(cloud, image, "POST", body={"metadata": {"b": "20", "c": "3"}})
    assert (code, body) == (200, {"metadata": {"a": "1", "b": "20", "c": "3"}})
    code, body = _meta(cloud, image, "PUT", body={"metadata": {"c": "30", "d": "4"}})
    assert (code, body) == (200, {"metadata": {"c": "30", "d": "4"}})
    assert _meta(cloud, image, "GET", "c") == (200, {"meta": {"c": "30"}})
    assert _meta(cloud, image, "PUT", "e", {"meta": {"e": "5"}}) == (200, {"meta": {"e": "5"}})
    assert _meta(cloud, image, "PUT", "c", {"meta": {"c": "31"}}) == (200,
                                                                      {"meta": {"c": "31"}})
    assert _meta(cloud, image, "DELETE", "d")[0] == 204
    assert _meta(cloud, image, "GET")[1] == {"metadata": {"c": "31", "e": "5"}}
    assert _meta(cloud, image, "DELETE", "d")[0] == 404
    assert _meta(cloud, image, "GET", "d")[0] == 404
    # The image API holds the truth.
    shown = _image_api(cloud, cloud.demo_token, "GET", f"/v2/images/{image}")
    assert (shown["c"], shown["e"], "a" in shown) == ("31", "5", False)
    assert _meta(cloud, image, "PUT", body={"metadata": {}}) == (200, {"metadata": {}})


@pytest.mark.parametrize("method, key, body", [
    ("POST", None, {"meta": {"a": "1"}}),
    ("POST", None, {"metadata": {"a": 1}}),
    ("POST", None, {"metadata": {"a" * 256: "1"}}),
    ("POST", None, {"metadata": {"bad/key": "1"}}),
    ("POST", None, {"metadata": {"a": "x" * 256}}),
    ("PUT", None, {"metadata": []}),
    ("POST", None, {"metadata": {"name": "renamed"}}),
    ("PUT", "a", {"meta": {"b": "1"}}),
    ("PUT", "a", {"meta": {"a": "1", "b": "2"}}),
    ("PUT", "a", {"meta": {}}),
    ("PUT", "a", {"metadata": {"a": "1"}}),
])
def test_metadata_bad_bodies(cloud, images, method, key, body):
    code, answer = _meta(cloud, images["snap"], method, key, body)
    assert code == 400 and "badRequest" in answer, answer


def test_metadata_limits_and_rights(cloud, images):
    too_many = {f"k{i}": "v" for i in range(129)}      # metadata_items is 128
    code, body = _meta(cloud, images["snap"], "POST", body={"metadata": too_many})
    assert code == 403 and body["forbidden"]["message"] == "Image metadata limit exceeded"
    code, body = _meta(cloud, images["cirros"], "POST", body={"metadata": {"x": "1"}})
    assert code == 403, body          # the demo project does not own cirros
    assert _meta(cloud, images["secret"], "POST", body={"metadata": {"x": "1"}})[0] == 404
