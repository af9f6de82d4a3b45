"""os-migrations and server migrations bodies, per microversion."""
from __future__ import annotations

from typing import Callable

from nubes.api.compute.views.timestamps import iso

_BASE = ("dest_compute", "dest_host", "dest_node", "id", "new_instance_type_id",
         "old_instance_type_id", "source_compute", "source_node", "status")
_PROGRESS = ("disk_processed_bytes", "disk_remaining_bytes", "disk_total_bytes",
             "memory_processed_bytes", "memory_remaining_bytes", "memory_total_bytes")

UrlBuilder = Callable[[str, bool], str]


def _in_progress_live(record: dict) -> bool:
    return bool(record.get("live_in_progress"))


def migration(version, record: dict, url: UrlBuilder) -> dict:
    """One entry of ``GET /os-migrations``."""
    body = {name: record[name] for name in _BASE}
    body.update(instance_uuid=record["instance_uuid"], created_at=iso(record["created_at"]),
                updated_at=iso(record["updated_at"]))
    if version >= (2, 23):
        body["migration_type"] = record["migration_type"]
        if _in_progress_live(record):
            path = f"/servers/{record['instance_uuid']}/migrations/{record['id']}"
            body["links"] = [{"rel": "self", "href": url(path, False)},
                             {"rel": "bookmark", "href": url(path, True)}]
    if version >= (2, 59):
        body["uuid"] = record["uuid"]
    if version >= (2, 80):
        body["user_id"] = record["user_id"]
        body["project_id"] = record["project_id"]
    return body


def server_migration(version, record: dict) -> dict:
    """One of a server's live migrations in progress (2.23+)."""
    body = {name: record[name] for name in _BASE}
    body.update(server_uuid=record["instance_uuid"], created_at=iso(record["created_at"]),
                updated_at=iso(record["updated_at"]))
    for name in _PROGRESS:
        body[name] = record[name.removesuffix("_bytes")]
    if version >= (2, 59):
        body["uuid"] = record["uuid"]
    if version >= (2, 80):
        body["user_id"] = record["user_id"]
        body["project_id"] = record["project_id"]
    return body
