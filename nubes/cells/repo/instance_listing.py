"""SQL for listing and showing instances (cell database): one sorted,
filtered page after a keyset marker, one instance by uuid, and what the
detailed view adds (latest fault, tags, metadata, attached volumes).

Records are plain dicts of the instance columns.  (The cell commands'
instance queries stay in ``instances.py``.)
"""
from __future__ import annotations

from typing import Iterable, Sequence

import sqlalchemy as sa

from nubes.cells import sort_order as ordering
from nubes.cells.cell_db.models import block_device_mapping as bdm
from nubes.cells.cell_db.models import instance_faults as faults
from nubes.cells.cell_db.models import instance_metadata as meta
from nubes.cells.cell_db.models import instances as inst
from nubes.cells.cell_db.models import tags as tag_table
from nubes.cells.instance_filters import ANY, SOFT_DELETED, InstanceFilters

COLUMNS = {c.name: c for c in inst.c}
# Enough for every backend's bound-parameter limit.
_CHUNK = 500


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    values = list(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def flavor_id_expr(dialect: str) -> sa.ColumnElement:
    """The flavor id inside the instance's flavor JSON (``{"flavorid": ...}``)."""
    if dialect == "postgresql":
        return sa.cast(inst.c.flavor, sa.JSON)["flavorid"].as_string()
    if dialect in ("mysql", "mariadb"):
        return sa.func.json_unquote(sa.func.json_extract(inst.c.flavor, "$.flavorid"))
    return sa.func.json_extract(inst.c.flavor, "$.flavorid")


def _regexp(column: sa.ColumnElement, pattern: str, dialect: str) -> sa.ColumnElement:
    if dialect == "postgresql":
        return column.op("~")(pattern)
    return column.regexp_match(pattern)


def _has_tags(tags: Iterable[str]) -> list[sa.ColumnElement]:
    return [sa.exists().where(tag_table.c.resource_id == inst.c.uuid, tag_table.c.tag == t)
            for t in tags]


def _in_or_null(column: sa.ColumnElement, values: Sequence) -> sa.ColumnElement:
    present = [v for v in values if v is not None]
    conditions = [column.in_(present)] if present else []
    if len(present) != len(values):
        conditions.append(column.is_(None))
    return sa.or_(*conditions) if conditions else sa.false()


def where(f: InstanceFilters, dialect: str) -> list[sa.ColumnElement]:
    """The WHERE conditions of ``f`` (see ``nubes.cells.instance_filters``)."""
    if f.match_nothing:
        return [sa.false()]
    c = inst.c
    conds: list[sa.ColumnElement] = [sa.or_(c.hidden.is_(None), c.hidden == sa.false())]
    if f.deleted is None:
        conds.append(c.deleted == 0)
        if not f.soft_deleted:
            conds.append(sa.or_(c.vm_state.is_(None), c.vm_state != SOFT_DELETED))
    elif f.deleted is True:
        # Soft-deleted servers are "deleted" too unless soft_deleted=False.
        conds.append(sa.or_(c.deleted != 0, c.vm_state == SOFT_DELETED)
                     if f.soft_deleted else c.deleted != 0)
    elif f.deleted != ANY:
        raise ValueError(f"deleted filter {f.deleted!r}")
    for field in ("project_id", "user_id", "image_ref", "host", "node", "reservation_id",
                  "availability_zone", "key_name"):
        value = getattr(f, field)
        if value is not None:
            conds.append(COLUMNS[field] == value)
    if f.uuids is not None:
        conds.append(c.uuid.in_(list(f.uuids)) if f.uuids else sa.false())
    if f.name is not None:
        conds.append(_regexp(c.display_name, f.name, dialect))
    if f.vm_states is not None:
        conds.append(_in_or_null(c.vm_state, f.vm_states))
    if f.task_states is not None:
        conds.append(_in_or_null(c.task_state, f.task_states))
    if f.flavor_id is not None:
        conds.append(flavor_id_expr(dialect) == f.flavor_id)
    if f.locked is not None:
        conds.append(c.locked == f.locked)
    changed = sa.func.coalesce(c.updated_at, c.created_at)
    if f.changes_since is not None:
        conds.append(changed >= f.changes_since)
    if f.changes_before is not None:
        conds.append(changed <= f.changes_before)
    if f.tags:
        conds.extend(_has_tags(f.tags))
    if f.tags_any:
        conds.append(sa.or_(*_has_tags(f.tags_any)))
    if f.not_tags:
        conds.append(sa.not_(sa.and_(*_has_tags(f.not_tags))))
    if f.not_tags_any:
        conds.append(sa.not_(sa.or_(*_has_tags(f.not_tags_any))))
    return conds


def page(conn: sa.Connection, f: InstanceFilters, order: ordering.SortOrder,
         after: Sequence | None, limit: int) -> list[dict]:
    """Up to ``limit`` instances matching ``f``, sorted by ``order``,
    strictly after the sort values ``after`` (None: from the first)."""
    dialect = conn.dialect.name
    query = sa.select(inst).where(*where(f, dialect))
    if after is not None:
        query = query.where(ordering.after_condition(COLUMNS, order, after, dialect))
    query = query.order_by(*ordering.order_by(COLUMNS, order, dialect)).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def get(conn: sa.Connection, uuid: str, *, project_id: str | None = None,
        include_deleted: bool = True) -> dict | None:
    """One instance by uuid (deleted ones too unless told), optionally
    only if it belongs to ``project_id``."""
    query = sa.select(inst).where(inst.c.uuid == uuid)
    if project_id is not None:
        query = query.where(inst.c.project_id == project_id)
    if not include_deleted:
        query = query.where(inst.c.deleted == 0)
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


# --- what the detailed view adds -------------------------------------------------------

def latest_faults(conn: sa.Connection, uuids: Sequence[str]) -> dict[str, dict]:
    """uuid -> its newest fault (code, message, details, host, created_at)."""
    found: dict[str, dict] = {}
    for chunk in _chunks(uuids):
        rows = conn.execute(
            sa.select(faults.c.instance_uuid, faults.c.code, faults.c.message,
                      faults.c.details, faults.c.host, faults.c.created_at)
            .where(faults.c.instance_uuid.in_(chunk))
            .order_by(faults.c.instance_uuid, faults.c.created_at.desc(), faults.c.id.desc()))
        for r in rows:
            found.setdefault(r.instance_uuid, dict(r._mapping))
    return found


def tags_of(conn: sa.Connection, uuids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for chunk in _chunks(uuids):
        for r in conn.execute(sa.select(tag_table.c.resource_id, tag_table.c.tag)
                              .where(tag_table.c.resource_id.in_(chunk))
                              .order_by(tag_table.c.resource_id, tag_table.c.tag)):
            found.setdefault(r.resource_id, []).append(r.tag)
    return found


def metadata_of(conn: sa.Connection, uuids: Sequence[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for chunk in _chunks(uuids):
        for r in conn.execute(sa.select(meta.c.instance_uuid, meta.c.key, meta.c.value)
                              .where(meta.c.instance_uuid.in_(chunk), meta.c.deleted == 0)
                              .order_by(meta.c.id)):
            found.setdefault(r.instance_uuid, {})[r.key] = r.value
    return found


def volumes_of(conn: sa.Connection, uuids: Sequence[str]) -> dict[str, list[dict]]:
    """uuid -> [{"id": volume id, "delete_on_termination": bool}] of its
    attached volumes, in attachment order."""
    found: dict[str, list[dict]] = {}
    for chunk in _chunks(uuids):
        rows = conn.execute(
            sa.select(bdm.c.instance_uuid, bdm.c.volume_id, bdm.c.delete_on_termination)
            .where(bdm.c.instance_uuid.in_(chunk), bdm.c.deleted == 0,
                   bdm.c.destination_type == "volume", bdm.c.volume_id.is_not(None))
            .order_by(bdm.c.id))
        for r in rows:
            found.setdefault(r.instance_uuid, []).append(
                {"id": r.volume_id, "delete_on_termination": bool(r.delete_on_termination)})
    return found
