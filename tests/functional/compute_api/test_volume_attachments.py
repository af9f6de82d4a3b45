"""/servers/{id}/os-volume_attachments through real HTTP on a whole
embedded cloud (compute API, volume API, fake hosts): attach (the volume
reserved, connected by the host, in use), the fields per microversion,
detach, the failures that must give the volume back, concurrent attaches
of one volume, update (2.85) and swap, and the server views."""
from __future__ import annotations

import threading

import pytest

from tests.fixtures.cloud import ServersCloud
from tests.functional.compute_api.volume_helpers import VolumeApi, driver_of, wait_for

pytestmark = pytest.mark.slow
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("volattach") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def vols(cloud):
    return VolumeApi(cloud, cloud.demo_token)


def _boot(cloud, name="v1"):
    code, body = cloud.demo.post("/servers", {"server": {
        "name": name, "imageRef": cloud.image_id(), "flavorRef": "1", "networks": "none"}})
    assert code == 202, body
    return cloud.wait_status(cloud.demo, body["server"]["id"], "ACTIVE")["id"]


@pytest.fixture
def server(cloud):
    sid = _boot(cloud)
    yield sid
    cloud.demo.delete(f"/servers/{sid}")
    cloud.wait_gone(cloud.demo, sid)


def _path(sid, vid=None):
    return f"/servers/{sid}/os-volume_attachments" + (f"/{vid}" if vid else "")


def _attach(cloud, sid, vid, api=None, version=None, **extra):
    api = api or cloud.demo
    return api.post(_path(sid), {"volumeAttachment": {"volumeId": vid, **extra}},
                    version=version)


def _detach_and_wait(cloud, vols, sid, vid):
    code, _ = cloud.demo.delete(_path(sid, vid))
    assert code == 202
    vols.wait(vid, "available")
    wait_for(lambda: cloud.demo.get(_path(sid, vid))[0] == 404, "the mapping to go")


def test_attach_show_list_detach(cloud, vols, server):
    vol = vols.create(1, name="data")
    code, body = _attach(cloud, server, vol["id"], version="2.79", tag="db",
                         delete_on_termination=False)
    assert code == 200, body
    att = body["volumeAttachment"]
    assert att == {"device": "/dev/vdb", "serverId": server, "volumeId": vol["id"],
                   "id": vol["id"], "tag": "db", "delete_on_termination": False}
    shown = vols.wait(vol["id"], "in-use")
    assert shown["attachments"][0]["server_id"] == server
    assert shown["attachments"][0]["device"] == "/dev/vdb"
    srv = cloud.admin.get(f"/servers/{server}")[1]["server"]
    devices = driver_of(cloud, srv).attached_volumes(server)
    assert devices["/dev/vdb"]["serial"] == vol["id"]
    assert devices["/dev/vdb"]["driver_volume_type"] == "file"

    # Fields per microversion.
    code, listed = cloud.demo.get(_path(server), version="2.1")
    assert code == 200 and listed["volumeAttachments"] == [
        {"device": "/dev/vdb", "serverId": server, "volumeId": vol["id"], "id": vol["id"]}]
    new = cloud.demo.get(_path(server, vol["id"]), version="2.89")[1]["volumeAttachment"]
    assert "id" not in new and new["tag"] == "db" and new["bdm_uuid"]
    assert new["attachment_id"] == vols.attachments(volume_id=vol["id"])[0]["id"]
    # The server's views.
    view = cloud.demo.get(f"/servers/{server}", version="2.2")[1]["server"]
    assert view["os-extended-volumes:volumes_attached"] == [{"id": vol["id"]}]
    view = cloud.demo.get(f"/servers/{server}")[1]["server"]
    assert view["os-extended-volumes:volumes_attached"] == [
        {"id": vol["id"], "delete_on_termination": False}]
    detail = cloud.demo.get("/servers/detail")[1]["servers"]
    assert [s["os-extended-volumes:volumes_attached"] for s in detail
            if s["id"] == server] == [[{"id": vol["id"], "delete_on_termination": False}]]

    # A second attach of the same volume is refused; so is a second volume
    # at a device in use.
    code, body = _attach(cloud, server, vol["id"])
    assert code == 400 and "badRequest" in body
    other = vols.create(1)
    code, body = _attach(cloud, server, other["id"], device="/dev/vdb")
    assert code == 409 and "is in use" in body["conflictingRequest"]["message"]
    assert vols.get(other["id"])["status"] == "available"

    _detach_and_wait(cloud, vols, server, vol["id"])
    assert driver_of(cloud, srv).attached_volumes(server) == {}
    assert cloud.demo.get(_path(server))[1] == {"volumeAttachments": []}
    assert cloud.demo.get(_path(server, vol["id"]))[0] == 404
    assert cloud.demo.delete(_path(server, vol["id"]))[0] == 404
    actions = [a["action"] for a in
               cloud.demo.get(f"/servers/{server}/os-instance-actions")[1]["instanceActions"]]
    assert actions[:2] == ["detach_volume", "attach_volume"]
    # One event each (the API starts it, the host finishes it), succeeded.
    for action, event in (("attach_volume", "compute_attach_volume"),
                          ("detach_volume", "compute_detach_volume")):
        done = cloud.wait_action_done(server, action)
        assert [(e["event"], e["result"]) for e in done["events"]] == [(event, "Success")]
    assert vols.delete(vol["id"]) == 202 and vols.delete(other["id"]) == 202


def test_bad_requests(cloud, vols, server):
    vol = vols.create(1)
    cases = [
        ({"volumeAttachment": {"volumeId": "not-a-uuid"}}, None, 400),
        ({"volumeAttachment": {}}, None, 400),
        ({"volumeAttachment": {"volumeId": vol["id"], "tag": "t"}}, "2.48", 400),
        ({"volumeAttachment": {"volumeId": vol["id"], "delete_on_termination": True}},
         "2.78", 400),
        ({"volumeAttachment": {"volumeId": vol["id"], "bogus": 1}}, None, 400),
        ({"volumeAttachment": {"volumeId": vol["id"], "device": "vdb"}}, None, 400),
        ({"volumeAttachment": {"volumeId": MISSING}}, None, 404),
    ]
    for body, version, status in cases:
        code, answer = cloud.demo.post(_path(server), body, version=version)
        assert code == status, (body, answer)
    assert cloud.demo.post(_path(MISSING), {"volumeAttachment": {"volumeId": vol["id"]}}
                           )[0] == 404
    assert cloud.demo.get(_path(MISSING))[0] == 404
    # Another project's server is not there for the caller.
    admin_server = cloud.admin.post("/servers", {"server": {
        "name": "adm", "imageRef": cloud.image_id(), "flavorRef": "1",
        "networks": "none"}})[1]["server"]["id"]
    cloud.wait_status(cloud.admin, admin_server, "ACTIVE")
    assert _attach(cloud, admin_server, vol["id"])[0] == 404
    assert cloud.demo.get(_path(admin_server))[0] == 404
    cloud.admin.delete(f"/servers/{admin_server}")
    assert vols.get(vol["id"])["status"] == "available"
    assert vols.delete(vol["id"]) == 202


def test_state_rules_and_lock(cloud, vols, server):
    vol = vols.create(1)
    assert cloud.demo.post(f"/servers/{server}/action", {"lock": None})[0] == 202
    code, body = _attach(cloud, server, vol["id"])
    assert code == 409 and "locked" in body["conflictingRequest"]["message"]
    assert vols.get(vol["id"])["status"] == "available"
    assert cloud.demo.post(f"/servers/{server}/action", {"unlock": None})[0] == 202
    cloud.demo.post(f"/servers/{server}/action", {"suspend": None})
    cloud.wait_status(cloud.demo, server, "SUSPENDED")
    code, body = _attach(cloud, server, vol["id"])
    assert code == 409 and "vm_state suspended" in body["conflictingRequest"]["message"]
    assert vols.get(vol["id"])["status"] == "available"
    cloud.demo.post(f"/servers/{server}/action", {"resume": None})
    cloud.wait_status(cloud.demo, server, "ACTIVE")
    # Stopped servers take volumes.
    cloud.demo.post(f"/servers/{server}/action", {"os-stop": None})
    cloud.wait_status(cloud.demo, server, "SHUTOFF")
    assert _attach(cloud, server, vol["id"])[0] == 200
    vols.wait(vol["id"], "in-use")
    _detach_and_wait(cloud, vols, server, vol["id"])
    assert vols.delete(vol["id"]) == 202


def test_failed_attach_gives_the_volume_back(cloud, vols, server):
    vol = vols.create(1)
    srv = cloud.admin.get(f"/servers/{server}")[1]["server"]
    driver = driver_of(cloud, srv)
    hook = driver.hooks.fail("attach_volume", times=1)
    try:
        code, _ = _attach(cloud, server, vol["id"])
        assert code == 200
        action = cloud.wait_action_done(server, "attach_volume")
    finally:
        driver.hooks.remove("attach_volume", hook)
    assert action["events"][0]["result"] == "Error"
    vols.wait(vol["id"], "available")
    assert vols.attachments(volume_id=vol["id"]) == []
    assert cloud.demo.get(_path(server))[1] == {"volumeAttachments": []}
    # A detach the guest refuses leaves the volume attached and in use.
    assert _attach(cloud, server, vol["id"])[0] == 200
    vols.wait(vol["id"], "in-use")
    hook = driver.hooks.fail("detach_volume", times=1)
    try:
        assert cloud.demo.delete(_path(server, vol["id"]))[0] == 202
        action = cloud.wait_action_done(server, "detach_volume")
    finally:
        driver.hooks.remove("detach_volume", hook)
    assert action["events"][0]["result"] == "Error"
    assert vols.wait(vol["id"], "in-use")["attachments"][0]["server_id"] == server
    _detach_and_wait(cloud, vols, server, vol["id"])
    assert vols.delete(vol["id"]) == 202


def test_concurrent_attaches_of_one_volume(cloud, vols):
    first, second = _boot(cloud, "c1"), _boot(cloud, "c2")
    vol = vols.create(1)
    results = {}
    barrier = threading.Barrier(2)

    def attach(sid):
        barrier.wait()
        results[sid] = _attach(cloud, sid, vol["id"])[0]
    threads = [threading.Thread(target=attach, args=(s,)) for s in (first, second)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results.values()) == [200, 400], results
    winner = next(s for s, c in results.items() if c == 200)
    shown = vols.wait(vol["id"], "in-use")
    assert [a["server_id"] for a in shown["attachments"]] == [winner]
    loser = first if winner == second else second
    assert cloud.demo.get(_path(loser))[1] == {"volumeAttachments": []}
    # Deleting the server detaches the volume; it stays (not marked).
    for sid in (first, second):
        cloud.demo.delete(f"/servers/{sid}")
    for sid in (first, second):
        cloud.wait_gone(cloud.demo, sid)
    vols.wait(vol["id"], "available")
    assert vols.delete(vol["id"]) == 202


def test_update_and_swap(cloud, vols, server):
    old, new = vols.create(1), vols.create(2)
    assert _attach(cloud, server, old["id"])[0] == 200
    vols.wait(old["id"], "in-use")
    path = _path(server, old["id"])
    # 2.85: the same volume, delete_on_termination only.
    code, body = cloud.demo.put(path, {"volumeAttachment": {
        "volumeId": old["id"], "delete_on_termination": True}}, version="2.85")
    assert code == 202, body
    shown = cloud.demo.get(path, version="2.85")[1]["volumeAttachment"]
    assert shown["delete_on_termination"] is True
    code, body = cloud.demo.put(path, {"volumeAttachment": {
        "volumeId": old["id"], "device": "/dev/vdz"}}, version="2.85")
    assert code == 400 and "not mutable" in body["badRequest"]["message"]
    code, _ = cloud.demo.put(path, {"volumeAttachment": {
        "volumeId": old["id"], "delete_on_termination": True}}, version="2.84")
    assert code == 400
    # A swap is for admins.
    swap = {"volumeAttachment": {"volumeId": new["id"]}}
    assert cloud.demo.put(path, swap)[0] == 403
    code, body = cloud.admin.put(path, swap)
    assert code == 202, body
    vols.wait(old["id"], "available")
    vols.wait(new["id"], "in-use")
    listed = cloud.demo.get(_path(server), version="2.89")[1]["volumeAttachments"]
    assert [(a["volumeId"], a["device"]) for a in listed] == [(new["id"], "/dev/vdb")]
    srv = cloud.admin.get(f"/servers/{server}")[1]["server"]
    assert driver_of(cloud, srv).attached_volumes(server)["/dev/vdb"]["serial"] == new["id"]
    # Deleting the server deletes the volume marked delete_on_termination.
    cloud.demo.delete(f"/servers/{server}")
    cloud.wait_gone(cloud.demo, server)
    vols.wait_gone(new["id"])
    assert vols.delete(old["id"]) == 202


def test_shelved_offloaded_server(cloud, vols, server):
    vol = vols.create(1)
    cloud.demo.post(f"/servers/{server}/action", {"shelve": None})
    cloud.wait_status(cloud.demo, server, "SHELVED_OFFLOADED", "SHELVED")
    code, _ = cloud.admin.post(f"/servers/{server}/action", {"shelveOffload": None})
    cloud.wait_status(cloud.demo, server, "SHELVED_OFFLOADED")
    assert _attach(cloud, server, vol["id"])[0] == 200
    # No host: the attachment is completed by the API, without a connection.
    assert vols.get(vol["id"])["status"] == "in-use"
    assert wait_for(lambda: cloud.demo.get(_path(server))[1]["volumeAttachments"],
                    "the attachment")
    assert cloud.demo.delete(_path(server, vol["id"]))[0] == 202
    assert vols.get(vol["id"])["status"] == "available"
    assert vols.delete(vol["id"]) == 202


def test_multiattach_volume_on_two_servers(cloud, vols):
    admin_vols = VolumeApi(cloud, cloud.admin_token)
    resp = admin_vols.session.post(admin_vols.base + "/types", json={"volume_type": {
        "name": "multi", "extra_specs": {"multiattach": "<is> True"}}}, timeout=30)
    assert resp.status_code == 200, resp.text
    vol = vols.create(1, volume_type="multi")
    assert vol["multiattach"] is True
    first, second = _boot(cloud, "m1"), _boot(cloud, "m2")
    code, body = _attach(cloud, first, vol["id"], version="2.59")
    assert code == 400 and "2.60" in body["badRequest"]["message"]
    assert _attach(cloud, first, vol["id"], version="2.60")[0] == 200
    vols.wait(vol["id"], "in-use")
    assert _attach(cloud, second, vol["id"], version="2.60")[0] == 200
    shown = wait_for(lambda: (v := vols.get(vol["id"]))["status"] == "in-use"
                     and len(v["attachments"]) == 2 and v, "two attachments")
    assert sorted(a["server_id"] for a in shown["attachments"]) == sorted([first, second])
    assert cloud.demo.delete(_path(first, vol["id"]))[0] == 202
    wait_for(lambda: len(vols.get(vol["id"])["attachments"]) == 1, "one attachment left")
    assert vols.get(vol["id"])["status"] == "in-use"
    for sid in (first, second):
        cloud.demo.delete(f"/servers/{sid}")
        cloud.wait_gone(cloud.demo, sid)
    vols.wait(vol["id"], "available")
    assert vols.delete(vol["id"]) == 202


def test_volumes_are_named_around_the_flavors_local_disks(cloud, vols):
    """The flavor's ephemeral disk is /dev/vdb and its swap /dev/vdc: a
    volume attached without a device, or booted with one without a name,
    gets the next free name (a device asked for by name is given as is)."""
    code, body = cloud.admin.post("/flavors", {"flavor": {
        "name": "with-local", "ram": 512, "vcpus": 1, "disk": 1, "id": "local-disks",
        "OS-FLV-EXT-DATA:ephemeral": 1, "swap": 256}})
    assert code == 200, body
    try:
        code, body = cloud.demo.post("/servers", {"server": {
            "name": "local", "imageRef": cloud.image_id(), "flavorRef": "local-disks",
            "networks": "none", "block_device_mapping_v2": [
                {"boot_index": 0, "source_type": "image", "uuid": cloud.image_id(),
                 "destination_type": "local"},
                {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
                 "delete_on_termination": True}]}})
        assert code == 202, body
        sid = cloud.wait_status(cloud.demo, body["server"]["id"], "ACTIVE")["id"]
        (booted,) = cloud.demo.get(_path(sid))[1]["volumeAttachments"]
        assert booted["device"] == "/dev/vdd"
        vol, named = vols.create(1), vols.create(1)
        code, body = _attach(cloud, sid, vol["id"])
        assert code == 200 and body["volumeAttachment"]["device"] == "/dev/vde", body
        code, body = _attach(cloud, sid, named["id"], device="/dev/vdf")
        assert code == 200 and body["volumeAttachment"]["device"] == "/dev/vdf", body
        vols.wait(named["id"], "in-use")
        for volume in (vol, named):
            _detach_and_wait(cloud, vols, sid, volume["id"])
            assert vols.delete(volume["id"]) == 202
        assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
        cloud.wait_gone(cloud.demo, sid)
        vols.wait_gone(booted["volumeId"])
    finally:
        assert cloud.admin.delete("/flavors/local-disks")[0] == 202
