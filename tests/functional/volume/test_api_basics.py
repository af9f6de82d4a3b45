"""The volume API's frame: version documents, microversion negotiation,
cinder's error bodies, request ids, tokens."""
from __future__ import annotations

import requests


def test_version_documents(volumes):
    root = requests.get(volumes.url + "/", timeout=10)
    assert root.status_code == 300
    (v3,) = root.json()["versions"]
    assert v3["id"] == "v3.0" and v3["status"] == "CURRENT"
    assert v3["version"] == "3.71" and v3["min_version"] == "3.0"
    assert {"rel": "self", "href": volumes.url + "/v3/"} in v3["links"]
    assert v3["media-types"][0]["type"] == "application/vnd.openstack.volume+json;version=3"
    for path in ("/v3", "/v3/"):
        resp = requests.get(volumes.url + path, timeout=10)
        assert resp.status_code == 200 and resp.json() == root.json()
    assert root.headers["X-OpenStack-Request-ID"].startswith("req-")


def test_microversion_negotiation(volumes):
    admin = volumes.admin
    resp = admin.get("/volumes", headers={"OpenStack-API-Version": "volume latest"})
    assert resp.headers["OpenStack-API-Version"] == "volume 3.71"
    assert "OpenStack-API-Version" in resp.headers["Vary"]
    resp = admin.get("/volumes", headers={"OpenStack-API-Version": ""})
    plain = admin.session.get(f"{volumes.url}/v3/admin/volumes",
                              headers={"X-Auth-Token": "admin"}, timeout=10)
    assert plain.headers["OpenStack-API-Version"] == "volume 3.0"
    for bad, status in (("3.72", 406), ("2.0", 406), ("3.x", 400), ("three", 400)):
        resp = admin.get("/volumes", version=bad)
        assert resp.status_code == status, (bad, resp.text)
        fault = "notAcceptable" if status == 406 else "badRequest"
        body = resp.json()
        (name,) = body
        assert name == ("computeFault" if status == 406 else fault)
        assert body[name]["code"] == status and body[name]["message"]


def test_attachments_need_3_27(volumes):
    resp = volumes.admin.get("/attachments", version="3.26")
    assert resp.status_code == 404
    assert resp.json() == {"itemNotFound": {"code": 404,
                                            "message": "The resource could not be found."}}
    assert volumes.admin.get("/attachments", version="3.27").status_code == 200


def test_errors_and_tokens(volumes):
    resp = requests.get(f"{volumes.url}/v3/p1/volumes", timeout=10)
    assert resp.status_code == 401
    assert resp.json()["unauthorized"]["code"] == 401
    resp = volumes.user().get("/volumes/" + "0" * 36)
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == f"Volume {'0' * 36} could not be found."
    resp = volumes.user().request("PATCH", "/volumes")
    assert resp.status_code == 405 and "badMethod" in resp.json()
    resp = volumes.user().request("POST", "/volumes", data=b"{not json",
                                  headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and "badRequest" in resp.json()
    assert resp.headers["X-OpenStack-Request-ID"].startswith("req-")


def test_project_id_in_url_is_optional(volumes):
    user = volumes.user()
    created = volumes.create(user)
    without = user.get(f"{volumes.url}/v3/volumes/{created['id']}")
    assert without.status_code == 200 and without.json()["volume"]["id"] == created["id"]
