"""SQL for request specs (API database): read by the compute API, read and
deleted by the super-conductor's build.

``request_specs.spec`` is the JSON of the scheduler's ``RequestSpec``
(``nubes.scheduler.messages``: flavor, availability_zone, project_id,
user_id, ...).  Readers take what they need from the decoded object and
tolerate missing keys.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import request_specs as rs


def specs_of(conn: sa.Connection, instance_uuids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """instance uuid -> decoded spec (undecodable specs are left out)."""
    uuids = sorted(set(instance_uuids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(uuids), 500):
        rows = conn.execute(sa.select(rs.c.instance_uuid, rs.c.spec)
                            .where(rs.c.instance_uuid.in_(uuids[start:start + 500])))
        for r in rows:
            try:
                spec = json.loads(r.spec)
            except ValueError:
                continue
            if isinstance(spec, dict):
                found[r.instance_uuid] = spec
    return found


def get(conn: sa.Connection, instance_uuid: str) -> dict[str, Any] | None:
    text = conn.scalar(sa.select(rs.c.spec).where(rs.c.instance_uuid == instance_uuid))
    return None if text is None else json.loads(text)


def delete(conn: sa.Connection, instance_uuid: str) -> None:
    conn.execute(sa.delete(rs).where(rs.c.instance_uuid == instance_uuid))


def update(conn: sa.Connection, instance_uuid: str, spec: dict[str, Any]) -> bool:
    """Replace the instance's spec (an unshelve to a new zone keeps it)."""
    return conn.execute(sa.update(rs).where(rs.c.instance_uuid == instance_uuid)
                        .values(spec=json.dumps(spec))).rowcount == 1
