"""Instance action bodies by microversion (2.51 events for everyone,
2.58 ``updated_at``, 2.62 event ``host``/``hostId``, 2.84 ``details``)."""
from __future__ import annotations

from nubes.api.compute.views.servers import host_id
from nubes.common.timeutils import isoformat


def action(version, record: dict) -> dict:
    view = {"action": record["action"], "instance_uuid": record["instance_uuid"],
            "request_id": record["request_id"], "user_id": record["user_id"],
            "project_id": record["project_id"],
            "start_time": isoformat(record.get("start_time")),
            "message": record.get("message")}
    if version >= (2, 58):
        view["updated_at"] = isoformat(record.get("updated_at") or record.get("created_at"))
    return view


def event(version, record: dict, project_id: str, *, traceback: bool,
          details: bool) -> dict:
    view = {"event": record["event"], "start_time": isoformat(record.get("start_time")),
            "finish_time": isoformat(record.get("finish_time")),
            "result": record.get("result")}
    if traceback:
        view["traceback"] = record.get("traceback")
    if version >= (2, 62):
        if traceback:
            view["host"] = record.get("host") or ""
        view["hostId"] = host_id(project_id, record.get("host"))
    if version >= (2, 84) and details:
        view["details"] = record.get("details")
    return view
