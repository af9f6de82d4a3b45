"""SQL for build requests (API database): the instances the API accepted
that are not in a cell yet, and the codec of their serialized instance.

``build_requests.instance`` holds the unsaved instance as JSON: an object
of ``instances`` column names (``uuid``, ``display_name``, ``vm_state``,
``task_state``, ``flavor`` (the flavor JSON text, as in a cell), ...) with
timestamps as ISO 8601 strings.  :func:`encode_instance` and
:func:`decode_instance` are the two halves; writers (the create flow) use
the first, readers the second.  ``tags`` is a JSON list of strings.

:func:`create` is the API's single write of a new server: its build
request, request spec and instance mapping (no cell yet).  The
super-conductor then points the mapping at a cell and deletes the build
request (:mod:`.instance_mappings`, :func:`delete`); a delete before that
removes the build request and marks the mapping ``queued_for_delete``.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import build_requests as br
from nubes.cells.api_db.models import instance_mappings as im
from nubes.cells.api_db.models import request_specs as rs
from nubes.common.timeutils import utcnow

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


# --- writes --------------------------------------------------------------------

_INSERT_BUILD_REQUEST = sa.insert(br)
_INSERT_SPEC = sa.insert(rs)
_INSERT_MAPPING = sa.insert(im)
_GET_BUILD_REQUEST = sa.select(br).where(br.c.instance_uuid == sa.bindparam("uuid"))
_DELETE_BUILD_REQUEST = sa.delete(br).where(br.c.instance_uuid == sa.bindparam("uuid"))


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


def get(conn: sa.Connection, instance_uuid: str) -> sa.Row | None:
    return conn.execute(_GET_BUILD_REQUEST, {"uuid": instance_uuid}).first()


def update_instance(conn: sa.Connection, instance_uuid: str, values: dict[str, Any]) -> bool:
    """Change fields of the serialized instance of a build request (a
    server update before the server is in a cell); False if it is gone."""
    row = conn.execute(sa.select(br.c.instance).where(br.c.instance_uuid == instance_uuid)
                       ).first()
    if row is None:
        return False
    instance = decode_instance(row.instance)
    instance.update(values)
    return conn.execute(sa.update(br).where(br.c.instance_uuid == instance_uuid)
                        .values(instance=encode_instance(instance))).rowcount == 1


def delete(conn: sa.Connection, instance_uuid: str) -> bool:
    """False if it was already gone (the server was deleted, or built)."""
    return conn.execute(_DELETE_BUILD_REQUEST, {"uuid": instance_uuid}).rowcount == 1


# --- leases: which super-conductor works on a build request ------------------------

def take(conn: sa.Connection, instance_uuids: list[str], owner: str,
         now: datetime.datetime, until: datetime.datetime) -> tuple[set[str], set[str]]:
    """Lease the build requests of ``instance_uuids`` to ``owner`` until
    ``until``, where no other lease holds at ``now``.  Returns the uuids
    now leased to ``owner`` and, of those, the ones an earlier owner had
    leased (a take-over: that owner may have left work half done).

    The guarded UPDATE is the proof: of two takers only one matches a row
    (the other re-reads it after the first commits and finds it leased)."""
    wanted = sorted(set(instance_uuids))
    if not wanted:
        return set(), set()
    before = {row.instance_uuid: row.lease_owner for row in conn.execute(
        sa.select(br.c.instance_uuid, br.c.lease_owner).where(br.c.instance_uuid.in_(wanted)))}
    conn.execute(sa.update(br)
                 .where(br.c.instance_uuid.in_(wanted),
                        sa.or_(br.c.lease_expires.is_(None), br.c.lease_expires < now))
                 .values(lease_owner=owner, lease_expires=until))
    taken = set(conn.scalars(sa.select(br.c.instance_uuid).where(
        br.c.instance_uuid.in_(wanted), br.c.lease_owner == owner)))
    return taken, {u for u in taken if before.get(u) not in (None, owner)}


def unattended(conn: sa.Connection, now: datetime.datetime, created_before: datetime.datetime,
               limit: int) -> list[str]:
    """Build requests nobody works on: their lease ran out, or none was
    ever taken although they are older than ``created_before`` (the cast
    that should have started them was lost); oldest first."""
    query = (sa.select(br.c.instance_uuid)
             .where(sa.or_(br.c.lease_expires < now,
                           sa.and_(br.c.lease_expires.is_(None),
                                   br.c.created_at < created_before)))
             .order_by(br.c.id).limit(limit))
    return list(conn.scalars(query))
