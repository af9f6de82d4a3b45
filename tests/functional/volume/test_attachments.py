"""Attachments (3.27+): reserve, connect, complete, delete; the volume's
status following them; multiattach; and under concurrency exactly one
of two attachments of a volume that takes one wins."""
from __future__ import annotations

import concurrent.futures
import os
import uuid

CONNECTOR = {"host": "compute-1", "platform": "x86_64", "os_type": "linux",
             "initiator": "iqn.test", "multipath": False, "mountpoint": "/dev/vdb"}


def _attach(client, volume_id, connector=None, instance=None, **kw):
    body = {"volume_uuid": volume_id, "instance_uuid": instance or str(uuid.uuid4()),
            "connector": connector}
    return client.post("/attachments", {"attachment": body}, **kw)


def test_reserve_connect_complete_delete(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    server = str(uuid.uuid4())
    resp = _attach(user, vol["id"], instance=server)
    assert resp.status_code == 200, resp.text
    att = resp.json()["attachment"]
    assert att["status"] == "reserved" and att["instance"] == server
    assert att["connection_info"] == {} and att["attach_mode"] == "null"
    assert att["attached_at"] == "" and att["detached_at"] == ""
    assert user.get(f"/volumes/{vol['id']}").json()["volume"]["status"] == "reserved"
    assert user.delete(f"/volumes/{vol['id']}").status_code == 400

    resp = user.put(f"/attachments/{att['id']}", {"attachment": {"connector": CONNECTOR}})
    assert resp.status_code == 200, resp.text
    connected = resp.json()["attachment"]
    info = connected["connection_info"]
    assert info["driver_volume_type"] == "file" and info["attachment_id"] == att["id"]
    assert os.path.isfile(info["device_path"]) and vol["id"] in info["device_path"]
    assert connected["status"] == "attaching" and connected["attach_mode"] == "rw"
    assert user.get(f"/volumes/{vol['id']}").json()["volume"]["status"] == "attaching"

    assert user.post(f"/attachments/{att['id']}/action", {"os-complete": None},
                     version="3.43").status_code == 404
    resp = user.post(f"/attachments/{att['id']}/action", {"os-complete": att["id"]})
    assert resp.status_code == 204
    shown = user.get(f"/volumes/{vol['id']}").json()["volume"]
    assert shown["status"] == "in-use"
    (item,) = shown["attachments"]
    assert item == {"id": vol["id"], "attachment_id": att["id"], "volume_id": vol["id"],
                    "server_id": server, "host_name": None, "device": "/dev/vdb",
                    "attached_at": item["attached_at"]}
    admin_item = volumes.admin.get(f"/volumes/{vol['id']}").json()["volume"]["attachments"]
    assert admin_item[0]["host_name"] == "compute-1"
    assert user.delete(f"/volumes/{vol['id']}").status_code == 400

    listed = user.get(f"/attachments?volume_id={vol['id']}").json()["attachments"]
    assert listed == [{"id": att["id"], "status": "attached", "instance": server,
                       "volume_id": vol["id"]}]
    assert user.get(f"/attachments?instance_id={server}").json()["attachments"] == listed
    detail = user.get("/attachments/detail").json()["attachments"]
    assert detail[0]["connection_info"]["device_path"] == info["device_path"]
    assert user.get(f"/attachments/{att['id']}").json()["attachment"]["status"] == "attached"
    assert user.get("/attachments?bogus=1").status_code == 400
    other = volumes.user("p2")
    assert other.get(f"/attachments/{att['id']}").status_code == 404
    assert other.get("/attachments").json()["attachments"] == []

    action = f"/volumes/{vol['id']}/action"
    assert user.post(action, {"os-begin_detaching": None}).status_code == 202
    assert user.get(f"/volumes/{vol['id']}").json()["volume"]["status"] == "detaching"
    assert user.post(action, {"os-roll_detaching": None}).status_code == 202
    assert user.get(f"/volumes/{vol['id']}").json()["volume"]["status"] == "in-use"
    assert user.post(action, {"os-begin_detaching": None}).status_code == 202
    resp = user.delete(f"/attachments/{att['id']}")
    assert resp.status_code == 200 and resp.json() == {"attachments": []}
    assert user.get(f"/volumes/{vol['id']}").json()["volume"]["status"] == "available"
    assert user.delete(f"/attachments/{att['id']}").status_code == 404


def test_create_with_a_connector_and_mode(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    resp = _attach(user, vol["id"], connector={**CONNECTOR, "mode": "ro"})
    att = resp.json()["attachment"]
    assert att["status"] == "attaching" and att["attach_mode"] == "ro"
    assert att["connection_info"]["access_mode"] == "ro"
    vol2 = volumes.create(user)
    body = {"attachment": {"volume_uuid": vol2["id"], "connector": {}, "mode": "ro"}}
    assert user.post("/attachments", body, version="3.53").status_code == 400
    assert user.post("/attachments", {"attachment": {**body["attachment"], "mode": None}},
                     version="3.53").status_code == 200
    vol3 = volumes.create(user)
    resp = user.post("/attachments", {"attachment": {"volume_uuid": vol3["id"],
                                                     "mode": "ro"}})
    assert resp.json()["attachment"]["attach_mode"] == "ro"


def test_bad_requests(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    for body in ({}, {"attachment": {}}, {"attachment": {"volume_uuid": "nope"}},
                 {"attachment": {"volume_uuid": vol["id"], "extra": 1}},
                 {"attachment": {"volume_uuid": vol["id"], "connector": "x"}}):
        assert user.post("/attachments", body).status_code == 400, body
    assert _attach(user, str(uuid.uuid4())).status_code == 404
    assert _attach(volumes.user("p2"), vol["id"]).status_code == 404
    att = _attach(user, vol["id"]).json()["attachment"]
    assert user.put(f"/attachments/{att['id']}",
                    {"attachment": {"connector": {}}}).status_code == 400
    assert user.post(f"/attachments/{att['id']}/action", {"os-other": 1}).status_code == 400
    err = volumes.create(user)
    volumes.admin.post(f"/volumes/{err['id']}/action", {"os-reset_status": {"status": "error"}})
    assert _attach(user, err["id"]).status_code == 400


def test_second_attachment_refused_unless_multiattach(volumes):
    user = volumes.user()
    vol = volumes.create(user)
    first = _attach(user, vol["id"]).json()["attachment"]
    resp = _attach(user, vol["id"])
    assert resp.status_code == 400 and "badRequest" in resp.json()
    # The same server again (live migration) is allowed.
    again = _attach(user, vol["id"], instance=first["instance"])
    assert again.status_code == 200

    volumes.admin.post("/types", {"volume_type": {
        "name": "shared", "extra_specs": {"multiattach": "<is> True"}}})
    multi = volumes.create(user, volume_type="shared")
    assert multi["multiattach"] is True
    atts = []
    for _ in range(3):
        resp = _attach(user, multi["id"], connector=CONNECTOR)
        assert resp.status_code == 200, resp.text
        atts.append(resp.json()["attachment"]["id"])
        user.post(f"/attachments/{atts[-1]}/action", {"os-complete": None})
    shown = user.get(f"/volumes/{multi['id']}").json()["volume"]
    assert shown["status"] == "in-use" and len(shown["attachments"]) == 3
    # Compute pins 3.44 for attachments: multiattach works there too.
    extra = _attach(user, multi["id"], version="3.44")
    assert extra.status_code == 200
    atts.append(extra.json()["attachment"]["id"])
    remaining = user.delete(f"/attachments/{atts[0]}").json()["attachments"]
    assert sorted(a["id"] for a in remaining) == sorted(atts[1:])
    assert len(remaining) == 3
    assert user.get(f"/volumes/{multi['id']}").json()["volume"]["status"] == "in-use"
    # Detaching one server's attachment (begin_detaching, then delete) ends
    # the detach: the others keep the volume in use.
    action = f"/volumes/{multi['id']}/action"
    assert user.post(action, {"os-begin_detaching": None}).status_code == 202
    assert user.get(f"/volumes/{multi['id']}").json()["volume"]["status"] == "detaching"
    user.delete(f"/attachments/{atts[1]}")
    assert user.get(f"/volumes/{multi['id']}").json()["volume"]["status"] == "in-use"
    for att in atts[2:]:
        user.delete(f"/attachments/{att}")
    assert user.get(f"/volumes/{multi['id']}").json()["volume"]["status"] == "available"


def test_simultaneous_attachments_exactly_one_wins(volumes):
    user = volumes.user()
    for _ in range(5):
        vol = volumes.create(user)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            codes = sorted(pool.map(
                lambda _: _attach(volumes.user(), vol["id"], connector=CONNECTOR).status_code,
                range(2)))
        assert codes == [200, 400]
        listed = user.get(f"/attachments?volume_id={vol['id']}").json()["attachments"]
        assert len(listed) == 1
