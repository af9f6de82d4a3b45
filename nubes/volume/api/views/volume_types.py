"""Volume type bodies."""
from __future__ import annotations

from nubes.volume.repo.volume_types import TypeRecord

# Extra specs users see (the rest are for admins: backend details).
USER_VISIBLE_SPECS = ("multiattach", "RESKEY:availability_zones", "replication_enabled")


def detail(record: TypeRecord, *, admin: bool) -> dict:
    specs = (dict(record.extra_specs) if admin else
             {k: v for k, v in record.extra_specs.items() if k in USER_VISIBLE_SPECS})
    body = {"id": record.id, "name": record.name, "description": record.description,
            "is_public": record.is_public, "os-volume-type-access:is_public": record.is_public,
            "extra_specs": specs}
    if admin:
        body["qos_specs_id"] = None
    return body
