"""Volume bodies by microversion (cinder's fields, none of our own:
clients and tempest check them strictly)."""
from __future__ import annotations

import functools
import uuid

from nubes.volume.api import microversions as mv
from nubes.volume.api.views.common import links, timestamp
from nubes.volume.repo.volumes import VolumeRecord

_SERVICE_NS = uuid.UUID("6f1c2a8e-5b7d-4c3e-9a1f-0d2e4b6c8a10")


def attachment_item(record: VolumeRecord, attachment, *, show_host: bool) -> dict:
    return {"id": record.id, "attachment_id": attachment.id, "volume_id": record.id,
            "server_id": attachment.instance_uuid,
            "host_name": attachment.attached_host if show_host else None,
            "device": attachment.mountpoint, "attached_at": timestamp(attachment.attach_time)}


def summary(req, record: VolumeRecord) -> dict:
    return {"id": record.id, "name": record.name,
            "links": links(req, "volumes", record.id, record.project_id)}


def detail(req, record: VolumeRecord, *, admin: bool, show_tenant: bool) -> dict:
    version = req.context.version
    body = {
        "id": record.id,
        "status": record.status,
        "size": record.size,
        "availability_zone": record.availability_zone,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "name": record.name,
        "description": record.description,
        "volume_type": record.volume_type_name,
        "snapshot_id": record.snapshot_id,
        "source_volid": record.source_volid,
        "metadata": dict(record.metadata),
        "links": links(req, "volumes", record.id, record.project_id),
        "user_id": record.user_id,
        "bootable": "true" if record.bootable else "false",
        "encrypted": False,
        "replication_status": None,
        "consistencygroup_id": None,
        "multiattach": bool(record.multiattach),
        "attachments": [attachment_item(record, a, show_host=admin)
                        for a in record.attachments if a.attach_status == "attached"],
    }
    if record.image_metadata:
        body["volume_image_metadata"] = dict(record.image_metadata)
    if show_tenant:
        body["os-vol-tenant-attr:tenant_id"] = record.project_id
    if admin:
        body["os-vol-host-attr:host"] = record.host
        body["os-vol-mig-status-attr:migstat"] = record.migration_status
        body["os-vol-mig-status-attr:name_id"] = None
        body["migration_status"] = record.migration_status
    _versioned(body, record, version, admin)
    return body


@functools.lru_cache(maxsize=256)
def _service_uuid(backend: str) -> str:
    return str(uuid.uuid5(_SERVICE_NS, backend))


def _versioned(body: dict, record: VolumeRecord, version, admin: bool) -> None:
    if version >= mv.GROUP_ID:
        body["group_id"] = None
    if version >= mv.PROVIDER_ID and admin:
        body["provider_id"] = None
    if version >= mv.SHARED_TARGETS:
        body["shared_targets"] = False
        body["service_uuid"] = _service_uuid(record.host.partition("#")[0]) \
            if record.host else None
    if version >= mv.CLUSTER_NAME and admin:
        body["cluster_name"] = None
    if version >= mv.VOLUME_TYPE_ID:
        body["volume_type_id"] = record.volume_type_id
    if version >= mv.ENCRYPTION_KEY_ID:
        body["encryption_key_id"] = None
    if version >= mv.CONSUMES_QUOTA:
        body["consumes_quota"] = True
