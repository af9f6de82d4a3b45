"""SQL for build requests (API database): the instances the API accepted
that are not in a cell yet, and the codec of their serialized instance.

``build_requests.instance`` holds the unsaved instance as JSON: an object
of ``instances`` column names (``uuid``, ``display_name``, ``vm_state``,
``task_state``, ``flavor`` (the flavor JSON text, as in a cell), ...) with
timestamps as ISO 8601 strings.  :func:`encode_instance` and
:func:`decode_instance` are the two halves; writers (the create flow) use
the first, readers the second.  ``tags`` is a JSON list of strings.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import build_requests as br

_TIMESTAMPS = ("created_at", "updated_at", "deleted_at", "launched_at", "terminated_at",
               "scheduled_at")


def encode_instance(values: dict[str, Any]) -> str:
    def default(value):
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        raise TypeError(f"cannot serialize {type(value).__name__}")
    return json.dumps(values, default=default, sort_keys=True)


def decode_instance(text: str | None) -> dict[str, Any]:
    values = json.loads(text) if text else {}
    for name in _TIMESTAMPS:
        if isinstance(values.get(name), str):
            values[name] = datetime.datetime.fromisoformat(values[name]).replace(tzinfo=None)
    return values


def _record(row) -> dict[str, Any]:
    """The instance of a build request, its identity from the row."""
    values = decode_instance(row.instance)
    values.update(uuid=row.instance_uuid, project_id=row.project_id)
    values.setdefault("created_at", row.created_at)
    values.setdefault("deleted", 0)
    values["tags"] = json.loads(row.tags) if row.tags else []
    return values


def list_records(conn: sa.Connection, *, project_id: str | None = None,
                 uuids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every build request (of ``project_id``, with one of ``uuids``) as
    instance records with a ``tags`` list."""
    query = sa.select(br)
    if project_id is not None:
        query = query.where(br.c.project_id == project_id)
    if uuids is not None:
        wanted = sorted(set(uuids))
        if not wanted:
            return []
        query = query.where(br.c.instance_uuid.in_(wanted))
    return [_record(r) for r in conn.execute(query.order_by(br.c.id))]


def get_record(conn: sa.Connection, instance_uuid: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(br).where(br.c.instance_uuid == instance_uuid)).first()
    return None if row is None else _record(row)
