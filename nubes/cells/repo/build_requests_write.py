"""SQL for what the create flow writes to the API database and what the
build and delete flows change there: build requests, request specs and
instance mappings.

``create`` is the API's single write of a new server (build request,
request spec, instance mapping with no cell); the super-conductor then
points the mapping at a cell and deletes the build request, and a delete
removes the build request or marks the mapping ``queued_for_delete``.
(Readers are ``build_requests``, ``request_specs`` and ``instance_mappings``;
these functions could be folded into them.)
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import build_requests as br
from nubes.cells.api_db.models import instance_mappings as im
from nubes.cells.api_db.models import request_specs as rs
from nubes.cells.repo.build_requests import encode_instance
from nubes.common.timeutils import utcnow


_INSERT_BUILD_REQUEST = sa.insert(br)
_INSERT_SPEC = sa.insert(rs)
_INSERT_MAPPING = sa.insert(im)


def create(conn: sa.Connection, *, instance_uuid: str, project_id: str,
           user_id: str | None, instance: dict[str, Any], spec: dict[str, Any],
           tags: Iterable[str] = (), block_device_mappings: list[dict] | None = None) -> None:
    """The three rows of a server the API accepted (call once per instance,
    all of a request in one transaction)."""
    # Parameters apart from the statement: the statement is then the same
    # every time and SQLAlchemy builds and compiles it once.
    now = utcnow()
    conn.execute(_INSERT_BUILD_REQUEST, dict(
        instance_uuid=instance_uuid, project_id=project_id,
        instance=encode_instance(dict(instance, uuid=instance_uuid, project_id=project_id,
                                      user_id=user_id)),
        block_device_mappings=json.dumps(block_device_mappings or []),
        tags=json.dumps(list(tags)), created_at=now))
    conn.execute(_INSERT_SPEC, dict(instance_uuid=instance_uuid, spec=json.dumps(spec),
                                    created_at=now))
    conn.execute(_INSERT_MAPPING, dict(instance_uuid=instance_uuid, project_id=project_id,
                                       user_id=user_id, cell_id=None,
                                       queued_for_delete=False, created_at=now))


_GET_BUILD_REQUEST = sa.select(br).where(br.c.instance_uuid == sa.bindparam("uuid"))
_DELETE_BUILD_REQUEST = sa.delete(br).where(br.c.instance_uuid == sa.bindparam("uuid"))
_UPDATE_MAPPING = sa.update(im).where(im.c.instance_uuid == sa.bindparam("uuid"))


def get_build_request(conn: sa.Connection, instance_uuid: str) -> sa.Row | None:
    return conn.execute(_GET_BUILD_REQUEST, {"uuid": instance_uuid}).first()


def delete_build_request(conn: sa.Connection, instance_uuid: str) -> bool:
    """False if it was already gone (the server was deleted, or built)."""
    return conn.execute(_DELETE_BUILD_REQUEST, {"uuid": instance_uuid}).rowcount == 1


def get_spec(conn: sa.Connection, instance_uuid: str) -> dict[str, Any] | None:
    text = conn.scalar(sa.select(rs.c.spec).where(rs.c.instance_uuid == instance_uuid))
    return None if text is None else json.loads(text)


def delete_spec(conn: sa.Connection, instance_uuid: str) -> None:
    conn.execute(sa.delete(rs).where(rs.c.instance_uuid == instance_uuid))


def point_mapping_at_cell(conn: sa.Connection, instance_uuid: str, cell_id: int) -> bool:
    return conn.execute(_UPDATE_MAPPING, {"uuid": instance_uuid, "cell_id": cell_id,
                                          "updated_at": utcnow()}).rowcount == 1


def queue_for_delete(conn: sa.Connection, instance_uuid: str) -> bool:
    return conn.execute(_UPDATE_MAPPING, {"uuid": instance_uuid, "queued_for_delete": True,
                                          "updated_at": utcnow()}).rowcount == 1


def delete_mapping(conn: sa.Connection, instance_uuid: str) -> None:
    conn.execute(sa.delete(im).where(im.c.instance_uuid == instance_uuid))
