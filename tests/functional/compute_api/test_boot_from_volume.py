"""POST /servers with block_device_mapping_v2 through real HTTP on a whole
embedded cloud: boot from an existing volume, from an image to a new
volume, blank volumes, local swap and ephemeral disks; no root DISK_GB in
placement for a volume-backed server; delete detaches every volume and
deletes the ones marked delete_on_termination."""
from __future__ import annotations

import pytest

from tests.fixtures.cloud import ServersCloud
from tests.functional.compute_api.volume_helpers import VolumeApi, driver_of

pytestmark = pytest.mark.slow
MISSING = "6e4c0ce7-4fd5-4b4b-8c5b-4b1b0ad6c3f1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    cloud = ServersCloud(str(tmp_path_factory.mktemp("bfv") / "state"),
                         cells=1, hosts_per_cell=1)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def vols(cloud):
    return VolumeApi(cloud, cloud.demo_token)


@pytest.fixture(scope="module")
def disky_flavor(cloud):
    code, body = cloud.admin.post("/flavors", {"flavor": {
        "name": "m1.disky", "ram": 128, "vcpus": 1, "disk": 1, "swap": 512,
        "OS-FLV-EXT-DATA:ephemeral": 2}})
    assert code == 200, body
    return body["flavor"]["id"]


def _create(cloud, bdms, image="", flavor="1", **extra):
    return cloud.demo.post("/servers", {"server": {
        "name": "bfv", "imageRef": image, "flavorRef": flavor, "networks": "none",
        "block_device_mapping_v2": bdms, **extra}})


def _delete(cloud, sid):
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)


def test_boot_from_an_existing_volume(cloud, vols):
    vol = vols.create(1, name="root")
    code, body = _create(cloud, [{"boot_index": 0, "uuid": vol["id"],
                                  "source_type": "volume", "destination_type": "volume"}])
    assert code == 202, body
    sid = body["server"]["id"]
    server = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    assert server["image"] == ""
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": vol["id"], "delete_on_termination": False}]
    shown = vols.wait(vol["id"], "in-use")
    assert shown["attachments"][0]["server_id"] == sid
    assert shown["attachments"][0]["device"] == "/dev/vda"
    admin_view = cloud.admin.get(f"/servers/{sid}")[1]["server"]
    assert driver_of(cloud, admin_view).attached_volumes(sid)["/dev/vda"]["serial"] == vol["id"]
    # A volume-backed server holds no root disk in placement.
    (resources,) = cloud.allocations(sid).values()
    assert "DISK_GB" not in resources and resources["VCPU"] == 1
    # Its root volume stays.
    code, answer = cloud.demo.delete(f"/servers/{sid}/os-volume_attachments/{vol['id']}")
    assert code == 400 and "root device" in answer["badRequest"]["message"]
    listed = cloud.demo.get(f"/servers/{sid}/os-volume_attachments")[1]
    assert [a["device"] for a in listed["volumeAttachments"]] == ["/dev/vda"]
    # The same volume cannot boot a second server.
    code, answer = _create(cloud, [{"boot_index": 0, "uuid": vol["id"],
                                    "source_type": "volume", "destination_type": "volume"}])
    assert code == 400, answer
    _delete(cloud, sid)
    vols.wait(vol["id"], "available")
    assert vols.delete(vol["id"]) == 202


def test_image_to_new_volume_deleted_on_termination(cloud, vols):
    code, body = _create(cloud, [{"boot_index": 0, "uuid": cloud.image_id(),
                                  "source_type": "image", "destination_type": "volume",
                                  "volume_size": 2, "delete_on_termination": True}])
    assert code == 202, body
    sid = body["server"]["id"]
    server = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    (attached,) = server["os-extended-volumes:volumes_attached"]
    assert attached["delete_on_termination"] is True
    volume = vols.wait(attached["id"], "in-use")
    assert volume["size"] == 2 and volume["name"] == f"{sid}-image-vol"
    # The image's data was written into the volume, which is bootable.
    assert volume["bootable"] == "true"
    assert volume["volume_image_metadata"]["image_id"] == cloud.image_id()
    assert "DISK_GB" not in next(iter(cloud.allocations(sid).values()))
    _delete(cloud, sid)
    vols.wait_gone(attached["id"])


def test_blank_volume_swap_and_ephemeral(cloud, vols, disky_flavor):
    image = cloud.image_id()
    bdms = [{"boot_index": 0, "uuid": image, "source_type": "image",
             "destination_type": "local"},
            {"boot_index": -1, "source_type": "blank", "destination_type": "volume",
             "volume_size": 1, "delete_on_termination": True},
            {"source_type": "blank", "destination_type": "local", "guest_format": "swap",
             "volume_size": 256},
            {"source_type": "blank", "destination_type": "local", "volume_size": 1}]
    code, body = _create(cloud, bdms, image=image, flavor=disky_flavor)
    assert code == 202, body
    sid = body["server"]["id"]
    server = cloud.wait_status(cloud.demo, sid, "ACTIVE")
    assert server["image"]["id"] == image
    (attached,) = server["os-extended-volumes:volumes_attached"]
    assert vols.wait(attached["id"], "in-use")["name"] == f"{sid}-blank-vol"
    listed = cloud.demo.get(f"/servers/{sid}/os-volume_attachments")[1]
    assert [a["device"] for a in listed["volumeAttachments"]] == ["/dev/vdb"]
    # An image-backed server still holds its root disk.
    assert next(iter(cloud.allocations(sid).values()))["DISK_GB"] >= 1
    _delete(cloud, sid)
    vols.wait_gone(attached["id"])


def test_bad_mappings(cloud, vols, disky_flavor):
    image = cloud.image_id()
    busy = vols.create(1)
    vol = vols.create(1)
    root = {"boot_index": 0, "uuid": vol["id"], "source_type": "volume",
            "destination_type": "volume"}
    cases = [
        ("unknown volume", [dict(root, uuid=MISSING)], {}),
        ("two roots", [root, dict(root, uuid=busy["id"])], {}),
        ("one volume, many servers", [root], {"min_count": 2}),
        ("snapshot", [{"boot_index": 0, "uuid": vol["id"], "source_type": "snapshot",
                       "destination_type": "volume", "volume_size": 1}], {}),
        ("blank volume without size", [root, {"source_type": "blank",
                                              "destination_type": "volume"}], {}),
        ("swap too big", [root, {"source_type": "blank", "destination_type": "local",
                                 "guest_format": "swap", "volume_size": 1024}],
         {"flavorRef": disky_flavor}),
        ("ephemeral too big", [root, {"source_type": "blank", "destination_type": "local",
                                      "volume_size": 3}], {"flavorRef": disky_flavor}),
        ("no root at all", [{"source_type": "blank", "destination_type": "volume",
                             "volume_size": 1}], {}),
        ("bad size", [dict(root, volume_size="big")], {}),
        ("too many", [root] * 65, {}),
        ("volume to local", [dict(root, destination_type="local")], {}),
    ]
    for what, bdms, extra in cases:
        code, body = _create(cloud, bdms, **extra)
        assert code == 400, (what, body)
        assert "badRequest" in body
    # A volume in use elsewhere.
    server_body = {"name": "x", "imageRef": image, "flavorRef": "1", "networks": "none"}
    holder = cloud.demo.post("/servers", {"server": server_body})[1]["server"]["id"]
    cloud.wait_status(cloud.demo, holder, "ACTIVE")
    assert cloud.demo.post(f"/servers/{holder}/os-volume_attachments",
                           {"volumeAttachment": {"volumeId": busy["id"]}})[0] == 200
    vols.wait(busy["id"], "in-use")
    code, body = _create(cloud, [dict(root, uuid=busy["id"])])
    assert code == 400, body
    # Nothing was left reserved.
    assert vols.get(vol["id"])["status"] == "available"
    _delete(cloud, holder)
    vols.wait(busy["id"], "available")
    assert vols.delete(busy["id"]) == 202 and vols.delete(vol["id"]) == 202


def test_failed_volume_connect_puts_the_server_in_error(cloud, vols):
    vol = vols.create(1)
    driver = cloud.embedded.agents[0].driver
    hook = driver.hooks.fail("attach_volume", times=1)
    try:
        code, body = _create(cloud, [{"boot_index": 0, "uuid": vol["id"],
                                      "source_type": "volume",
                                      "destination_type": "volume"}])
        assert code == 202, body
        sid = body["server"]["id"]
        server = cloud.wait_status(cloud.demo, sid, "ERROR")
    finally:
        driver.hooks.remove("attach_volume", hook)
    assert "aborted" in server["fault"]["message"]
    assert cloud.allocations(sid) == {}
    _delete(cloud, sid)
    vols.wait(vol["id"], "available")
    assert vols.attachments(volume_id=vol["id"]) == []
    assert vols.delete(vol["id"]) == 202


def test_a_refused_create_reserves_nothing(cloud, vols):
    vol = vols.create(1)
    code, body = _create(cloud, [{"boot_index": 0, "uuid": vol["id"],
                                  "source_type": "volume", "destination_type": "volume"}],
                         availability_zone="nowhere-zone")
    assert code == 400, body     # an unknown zone
    assert vols.get(vol["id"])["status"] == "available"
    assert vols.delete(vol["id"]) == 202
