"""Time stamps and links as cinder writes them."""
from __future__ import annotations

import datetime


def timestamp(value: datetime.datetime | None) -> str | None:
    """``2023-01-02T03:04:05.000000`` (cinder's spelling: no zone)."""
    return None if value is None else value.isoformat(timespec="microseconds")


def links(req, collection: str, item_id: str, project_id: str) -> list[dict]:
    base = req.prefix
    return [{"href": f"{base}/v3/{project_id}/{collection}/{item_id}", "rel": "self"},
            {"href": f"{base}/{project_id}/{collection}/{item_id}", "rel": "bookmark"}]
