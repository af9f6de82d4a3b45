"""Volumes across both cells, every service its own process, on a real
database server and RabbitMQ.

Once per backend (MariaDB/MySQL from ``NUBES_TEST_MYSQL_URL``, PostgreSQL
from ``NUBES_TEST_POSTGRES_URL``; RabbitMQ from ``NUBES_TEST_RABBIT_URL``):
skipped when a variable is unset, failed when it is set and its server does
not answer.

1. The cloud of ``test_boot_distributed.py`` (``cloud.start_cloud``) with
   its block storage: ``nubes-volume --sync`` and the volume API under
   gunicorn, each its own process, on the same database server and
   RabbitMQ; the compute API and the compute hosts have the volume endpoint.
2. A server on a host of each cell (2.74 ``host``); a volume each, attached
   through ``POST /servers/{id}/os-volume_attachments``: in-use; the volume
   API's attachment (3.27+) names the server, its connection the volume's
   file, the volume's attachment the server's host; the server shows the
   volume in ``os-extended-volumes:volumes_attached`` and its
   ``os-volume_attachments`` carry the volume API's attachment id.
   Detached: available, no attachment left anywhere.
3. A server booted from a new volume made from the image
   (``block_device_mapping_v2`` source_type=image, destination_type=volume)
   on the other host of each cell: ACTIVE, its volume bootable and in-use,
   attached on that host, no root ``DISK_GB`` in placement.
4. Delete everything: no server in any cell, no block device mapping, no
   attachment, no volume (the boot volumes went with their servers), no
   volume file, the volume quota's usage zero, no allocation on any
   provider.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from nubes.cells.cell_db import models as cell_models
from tests.integration.cells.cloud import (BUILD_TIMEOUT, FLAVOR, HOSTS, Cloud,
                                           cell_instances, start_cloud)
from tests.integration.cells.harness import wait_for
from tests.integration.cells.volumes import VolumeApi, volumes_dir

#: (the server a volume is attached to, the server booted from a volume) per cell
TARGETS = {cell: tuple(hosts) for cell, hosts in HOSTS.items()}


def _boot(cloud: Cloud, name: str, host: str, **server) -> str:
    """A server asked for on ``host`` (2.74: through the scheduler)."""
    resp = cloud.admin.post("/servers", json={"server": {
        "name": name, "flavorRef": FLAVOR["id"], "networks": "none", "host": host,
        **server}})
    assert resp.status == 202, resp
    return resp.json["server"]["id"]


def _server(cloud: Cloud, sid: str) -> dict:
    resp = cloud.admin.get(f"/servers/{sid}")
    assert resp.status == 200, resp
    return resp.json["server"]


def _wait_active(cloud: Cloud, sids: list[str]) -> dict[str, dict]:
    def settled():
        servers = {sid: _server(cloud, sid) for sid in sids}
        for server in servers.values():
            if server["status"] == "ERROR":
                pytest.fail(f"server {server['id']} went to ERROR: {server.get('fault')}")
        return servers if all(s["status"] == "ACTIVE" and not s["OS-EXT-STS:task_state"]
                              for s in servers.values()) else None
    return wait_for(settled, BUILD_TIMEOUT, f"servers {sids} ACTIVE", interval=0.1,
                    alive=cloud.d.check_alive)


def _check_attached(cloud: Cloud, vols: VolumeApi, sid: str, host: str, vid: str,
                    device: str, delete_on_termination: bool) -> None:
    """The volume API and the compute API agree: ``vid`` is attached to
    ``sid`` on ``host`` at ``device``."""
    volume = vols.wait(vid, "in-use")
    (item,) = volume["attachments"]
    assert (item["server_id"], item["host_name"], item["device"]) == (sid, host, device), item
    (attachment,) = vols.attachments(volume_id=vid)
    assert attachment["id"] == item["attachment_id"]
    assert (attachment["instance"], attachment["status"]) == (sid, "attached"), attachment
    info = attachment["connection_info"]
    assert info["attachment_id"] == attachment["id"], info
    # The file backend's volume file, which the host was given.
    assert info["device_path"].startswith(str(volumes_dir(cloud.d))), info
    assert os.path.isfile(info["device_path"]), info
    server = _server(cloud, sid)
    assert server["OS-EXT-SRV-ATTR:host"] == host
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": vid, "delete_on_termination": delete_on_termination}], server
    resp = cloud.admin.get(f"/servers/{sid}/os-volume_attachments")
    assert resp.status == 200, resp
    (listed,) = resp.json["volumeAttachments"]
    assert (listed["volumeId"], listed["device"], listed["attachment_id"]) == (
        vid, device, attachment["id"]), listed


def _attach_and_detach(cloud: Cloud, vols: VolumeApi, servers: dict[str, str]) -> list[str]:
    """A volume attached to, then detached from, each server (by host);
    the volumes."""
    attached = {host: vols.create(1, name=f"data-{host}") for host in servers}
    for vid in attached.values():
        vols.wait(vid, "available")
    for host, sid in servers.items():
        resp = cloud.admin.post(f"/servers/{sid}/os-volume_attachments",
                                json={"volumeAttachment": {"volumeId": attached[host]}})
        assert resp.status == 200, resp
        assert (resp.json["volumeAttachment"]["serverId"],
                resp.json["volumeAttachment"]["volumeId"]) == (sid, attached[host])
    for host, sid in servers.items():
        _check_attached(cloud, vols, sid, host, attached[host], "/dev/vdb", False)
    for host, sid in servers.items():
        resp = cloud.admin.delete(f"/servers/{sid}/os-volume_attachments/{attached[host]}")
        assert resp.status == 202, resp
    for host, sid in servers.items():
        assert vols.wait(attached[host], "available")["attachments"] == []
        assert vols.attachments(volume_id=attached[host]) == []
        # The host drops the mapping just after it deleted the attachment.
        wait_for(lambda: _server(cloud, sid)["os-extended-volumes:volumes_attached"] == [],
                 BUILD_TIMEOUT, f"no volume attached to {sid}", interval=0.1,
                 alive=cloud.d.check_alive)
    return list(attached.values())


def _boot_from_volume(cloud: Cloud, vols: VolumeApi,
                      hosts: list[str]) -> dict[str, tuple[str, str]]:
    """A server booted from a new volume made from the image on each host;
    server -> (its host, its volume)."""
    bdm = {"boot_index": 0, "uuid": cloud.image, "source_type": "image",
           "destination_type": "volume", "volume_size": 1, "delete_on_termination": True}
    sids = {_boot(cloud, f"bfv-{host}", host, imageRef="",
                  block_device_mapping_v2=[bdm]): host for host in hosts}
    servers = _wait_active(cloud, list(sids))
    boot_volumes = {}
    for sid, host in sids.items():
        (attached,) = servers[sid]["os-extended-volumes:volumes_attached"]
        vid = attached["id"]
        boot_volumes[sid] = (host, vid)
        _check_attached(cloud, vols, sid, host, vid, "/dev/vda", True)
        volume = vols.show(vid)
        assert (volume["bootable"], volume["size"]) == ("true", 1), volume
        assert volume["volume_image_metadata"]["image_id"] == cloud.image, volume
        # A volume-backed server holds no root disk in placement.
        allocations = cloud.placement.get(f"/allocations/{sid}").json["allocations"]
        assert list(allocations) == [cloud.providers[host]], allocations
        resources = allocations[cloud.providers[host]]["resources"]
        assert "DISK_GB" not in resources and resources["VCPU"] == FLAVOR["vcpus"], resources
    return boot_volumes


def _live_mappings(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            bdm = cell_models.block_device_mapping
            return list(conn.execute(sa.select(bdm.c.instance_uuid)
                                     .where(bdm.c.deleted == 0)).scalars())
    finally:
        engine.dispose()


def _delete_everything(cloud: Cloud, vols: VolumeApi, sids: list[str],
                       boot_volumes: list[str], volumes: list[str]) -> None:
    for sid in sids:
        resp = cloud.admin.delete(f"/servers/{sid}")
        assert resp.status == 204, resp

    def gone():
        return all(cloud.admin.get(f"/servers/{sid}").status == 404 for sid in sids)
    wait_for(gone, BUILD_TIMEOUT, f"servers {sids} deleted", interval=0.1,
             alive=cloud.d.check_alive)
    # delete_on_termination: the boot volumes go with their servers.
    for vid in boot_volumes:
        vols.wait_gone(vid)
    for vid in volumes:
        vols.call("DELETE", f"/volumes/{vid}", expect=202)
    for vid in volumes:
        vols.wait_gone(vid)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["mysql", "postgresql"])
def test_volumes_across_cells(backend, deployment):
    cloud = start_cloud(deployment, backend, volumes=True)
    vols = cloud.volumes
    attach_hosts = [hosts[0] for hosts in TARGETS.values()]
    boot_hosts = [hosts[1] for hosts in TARGETS.values()]

    servers = {host: _boot(cloud, f"vm-{host}", host, imageRef=cloud.image)
               for host in attach_hosts}
    shown = _wait_active(cloud, list(servers.values()))
    for host, sid in servers.items():
        assert shown[sid]["OS-EXT-SRV-ATTR:host"] == host
    volumes = _attach_and_detach(cloud, vols, servers)
    boot_volumes = _boot_from_volume(cloud, vols, boot_hosts)
    # Each cell holds its two servers and their mappings.
    booted_on = {host: sid for sid, (host, _) in boot_volumes.items()}
    for cell, (attach_host, boot_host) in TARGETS.items():
        expected = sorted([servers[attach_host], booted_on[boot_host]])
        assert sorted(cell_instances(cloud.d.db_urls[cell])) == expected
        mappings = set(_live_mappings(cloud.d.db_urls[cell]))
        assert booted_on[boot_host] in mappings and mappings <= set(expected), mappings

    sids = [*servers.values(), *boot_volumes]
    _delete_everything(cloud, vols, sids, [vid for _, vid in boot_volumes.values()],
                       volumes)
    for cell in TARGETS:
        assert cell_instances(cloud.d.db_urls[cell]) == {}
        assert _live_mappings(cloud.d.db_urls[cell]) == []
    assert vols.attachments() == []
    assert vols.volumes() == []
    assert vols.in_use() == {"volumes": 0, "gigabytes": 0, "snapshots": 0}
    assert [f for _, _, files in os.walk(volumes_dir(cloud.d)) for f in files] == []

    # A host removes the allocations just after the instance's row.
    def no_allocations():
        return all(cloud.placement.get(f"/allocations/{sid}").json["allocations"] == {}
                   for sid in sids)
    wait_for(no_allocations, BUILD_TIMEOUT, "the servers' allocations removed",
             interval=0.1, alive=cloud.d.check_alive)
    for host, provider in cloud.providers.items():
        usages = cloud.placement.get(f"/resource_providers/{provider}/usages").json
        assert set(usages["usages"].values()) <= {0}, (host, usages)
