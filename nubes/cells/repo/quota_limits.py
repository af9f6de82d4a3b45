"""SQL reading quota limits (API database): a project's own rows and the
``default`` quota class.  NULL means unlimited (returned as -1)."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.api_db.models import quota_classes as qc
from nubes.cells.api_db.models import quotas as q

DEFAULT_CLASS = "default"


def _limits(rows) -> dict[str, int]:
    return {r.resource: -1 if r.hard_limit is None else r.hard_limit for r in rows}


_PROJECT = sa.select(q.c.resource, q.c.hard_limit).where(
    q.c.project_id == sa.bindparam("project_id"))
_CLASS = sa.select(qc.c.resource, qc.c.hard_limit).where(
    qc.c.class_name == sa.bindparam("class_name"))


def project_limits(conn: sa.Connection, project_id: str) -> dict[str, int]:
    return _limits(conn.execute(_PROJECT, {"project_id": project_id}))


def class_limits(conn: sa.Connection, class_name: str = DEFAULT_CLASS) -> dict[str, int]:
    return _limits(conn.execute(_CLASS, {"class_name": class_name}))
