"""Attachment bodies (3.27+)."""
from __future__ import annotations

import orjson

from nubes.volume.api.views.common import timestamp
from nubes.volume.repo.attachments import AttachmentRecord


def summary(record: AttachmentRecord) -> dict:
    return {"id": record.id, "status": record.attach_status,
            "instance": record.instance_uuid, "volume_id": record.volume_id}


def detail(record: AttachmentRecord) -> dict:
    return {**summary(record),
            "attached_at": timestamp(record.attach_time) or "",
            "detached_at": timestamp(record.detach_time) or "",
            "attach_mode": record.attach_mode or "null",
            "connection_info": orjson.loads(record.connection_info)
            if record.connection_info else {}}
