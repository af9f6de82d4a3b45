"""SQL for quota limits (API database), the one owner of the ``quotas``
(a project's own limits), ``project_user_quotas`` (a user's limits in a
project) and ``quota_classes`` (``default`` and any other class) tables.

Rows are keyed by the resource's API name (``injected_file_path_bytes``,
not the ``[quota]`` option's ``injected_file_path_length``: callers map).
NULL means unlimited (read as -1); writers store -1 as NULL.
"""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import project_user_quotas as puq
from nubes.cells.api_db.models import quota_classes as qc
from nubes.cells.api_db.models import quotas as q
from nubes.common.timeutils import utcnow

DEFAULT_CLASS = "default"


def _limits(rows) -> dict[str, int]:
    return {r.resource: -1 if r.hard_limit is None else r.hard_limit for r in rows}


def _stored(limit: int) -> int | None:
    return None if limit < 0 else limit


_PROJECT = sa.select(q.c.resource, q.c.hard_limit).where(
    q.c.project_id == sa.bindparam("project_id"))
_USER = sa.select(puq.c.resource, puq.c.hard_limit).where(
    puq.c.project_id == sa.bindparam("project_id"), puq.c.user_id == sa.bindparam("user_id"))
_CLASS = sa.select(qc.c.resource, qc.c.hard_limit).where(
    qc.c.class_name == sa.bindparam("class_name"))


# --- reads -------------------------------------------------------------------------------

def project_limits(conn: sa.Connection, project_id: str) -> dict[str, int]:
    return _limits(conn.execute(_PROJECT, {"project_id": project_id}))


def user_limits(conn: sa.Connection, project_id: str, user_id: str) -> dict[str, int]:
    """The user's own rows in the project (none: the project's limits apply)."""
    return _limits(conn.execute(_USER, {"project_id": project_id, "user_id": user_id}))


def class_limits(conn: sa.Connection, class_name: str = DEFAULT_CLASS) -> dict[str, int]:
    return _limits(conn.execute(_CLASS, {"class_name": class_name}))


def user_limit_totals(conn: sa.Connection, project_id: str) -> dict[str, int]:
    """Per resource, the sum of the limits the project's users hold
    (unlimited ones left out): what a project limit must not go under."""
    query = (sa.select(puq.c.resource, sa.func.sum(puq.c.hard_limit))
             .where(puq.c.project_id == project_id, puq.c.hard_limit.is_not(None))
             .group_by(puq.c.resource))
    # int(): MySQL answers SUM() as Decimal.
    return {resource: int(total) for resource, total in conn.execute(query)}


# --- writes ------------------------------------------------------------------------------

def _set(conn: sa.Connection, table: sa.Table, keys: dict[str, str],
         limits: dict[str, int]) -> None:
    """Give each resource of ``limits`` its limit in the row named by ``keys``
    (update, else insert: the caller's transaction serialises writers; a
    racing insert of the same row fails on the unique key and is retried)."""
    now = utcnow()
    where = [table.c[k] == v for k, v in keys.items()]
    for resource, limit in sorted(limits.items()):
        done = conn.execute(sa.update(table).where(*where, table.c.resource == resource)
                            .values(hard_limit=_stored(limit), updated_at=now)).rowcount
        if not done:
            conn.execute(sa.insert(table).values(**keys, resource=resource,
                                                 hard_limit=_stored(limit), created_at=now))


def set_project_limits(conn: sa.Connection, project_id: str, limits: dict[str, int]) -> None:
    _set(conn, q, {"project_id": project_id}, limits)


def set_user_limits(conn: sa.Connection, project_id: str, user_id: str,
                    limits: dict[str, int]) -> None:
    _set(conn, puq, {"project_id": project_id, "user_id": user_id}, limits)


def set_class_limits(conn: sa.Connection, class_name: str, limits: dict[str, int]) -> None:
    _set(conn, qc, {"class_name": class_name}, limits)


def delete_project(conn: sa.Connection, project_id: str) -> None:
    """The project's own limits and every user's in it."""
    conn.execute(sa.delete(puq).where(puq.c.project_id == project_id))
    conn.execute(sa.delete(q).where(q.c.project_id == project_id))


def delete_user(conn: sa.Connection, project_id: str, user_id: str) -> None:
    conn.execute(sa.delete(puq).where(puq.c.project_id == project_id,
                                      puq.c.user_id == user_id))
