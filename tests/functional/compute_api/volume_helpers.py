"""What the volume attachment tests share: a caller of the embedded
cloud's volume API with the same tokens as the compute API's callers."""
from __future__ import annotations

import time

import requests

from tests.fixtures.cloud import ServersCloud


class VolumeApi:
    def __init__(self, cloud: ServersCloud, token: str):
        self.base = cloud.embedded.urls["volume"] + "/v3"
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": token, "Accept": "application/json",
                                     "OpenStack-API-Version": "volume 3.71"})

    def create(self, size: int = 1, wait: bool = True, **fields) -> dict:
        resp = self.session.post(self.base + "/volumes",
                                 json={"volume": {"size": size, **fields}}, timeout=30)
        assert resp.status_code == 202, resp.text
        volume = resp.json()["volume"]
        return self.wait(volume["id"], "available") if wait else volume

    def get(self, volume_id: str) -> dict | None:
        resp = self.session.get(f"{self.base}/volumes/{volume_id}", timeout=30)
        return resp.json()["volume"] if resp.status_code == 200 else None

    def wait(self, volume_id: str, *statuses: str, timeout: float = 30.0) -> dict:
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            last = self.get(volume_id)
            if last is not None and last["status"] in statuses:
                return last
            time.sleep(0.05)
        raise AssertionError(f"volume {volume_id} did not reach {statuses}: {last}")

    def wait_gone(self, volume_id: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.get(volume_id) is None:
                return
            time.sleep(0.05)
        raise AssertionError(f"volume {volume_id} is still there")

    def attachments(self, **filters) -> list[dict]:
        resp = self.session.get(self.base + "/attachments/detail", params=filters, timeout=30)
        assert resp.status_code == 200, resp.text
        return resp.json()["attachments"]

    def delete(self, volume_id: str) -> int:
        return self.session.delete(f"{self.base}/volumes/{volume_id}", timeout=30).status_code


def driver_of(cloud: ServersCloud, server: dict):
    """The fake driver of the host the server runs on."""
    host = server["OS-EXT-SRV-ATTR:host"]
    return next(a.driver for a in cloud.embedded.agents if a.host == host)


def wait_for(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def boot_volume_backed(cloud: ServersCloud, vols: VolumeApi, name: str
                       ) -> tuple[str, dict[str, str]]:
    """A demo member's server booted from a new volume, with a second one
    attached: its id and {volume id: device}."""
    root, data = vols.create(1, name="root"), vols.create(1, name="data")
    code, body = cloud.demo.post("/servers", {"server": {
        "name": name, "imageRef": "", "flavorRef": "1", "networks": "none",
        "block_device_mapping_v2": [{"boot_index": 0, "uuid": root["id"],
                                     "source_type": "volume",
                                     "destination_type": "volume"}]}})
    assert code == 202, body
    sid = body["server"]["id"]
    cloud.wait_status(cloud.demo, sid, "ACTIVE")
    code, body = cloud.demo.post(f"/servers/{sid}/os-volume_attachments",
                                 {"volumeAttachment": {"volumeId": data["id"]}})
    assert code == 200, body
    vols.wait(data["id"], "in-use")
    return sid, {root["id"]: "/dev/vda", data["id"]: body["volumeAttachment"]["device"]}


def delete_volume_backed(cloud: ServersCloud, vols: VolumeApi, sid: str,
                         volume_ids) -> None:
    """The server deleted; its volumes available with no attachment left,
    then deleted; nothing used in placement."""
    assert cloud.demo.delete(f"/servers/{sid}")[0] == 204
    cloud.wait_gone(cloud.demo, sid)
    for volume_id in volume_ids:
        vols.wait(volume_id, "available")
        assert vols.attachments(volume_id=volume_id) == []
        assert vols.delete(volume_id) == 202
    cloud.wait_no_usage()
