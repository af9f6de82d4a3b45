"""What a server list asks for, independent of where the records live.

:class:`InstanceFilters` is applied in SQL to cell instances
(``repo/instance_listing.py``) and in Python to build requests
(:func:`matches`), with the same meaning:

* every set field must hold (AND); list fields match any of their values;
* ``name`` is a regular expression searched in the display name;
* ``deleted``: None = live only (and not soft-deleted unless
  ``soft_deleted``), True = deleted only (soft-deleted ones too when
  ``soft_deleted``), ``"any"`` = both (changes-since);
* ``changes_since``/``changes_before`` compare with ``updated_at`` (or
  ``created_at`` for a record never updated);
* tags: ``tags`` all, ``tags_any`` at least one, ``not_tags`` not all,
  ``not_tags_any`` none of them.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any, Mapping

SOFT_DELETED = "soft-delete"
ANY = "any"


@dataclasses.dataclass(frozen=True)
class InstanceFilters:
    project_id: str | None = None
    user_id: str | None = None
    uuids: tuple[str, ...] | None = None
    name: str | None = None
    vm_states: tuple[str, ...] | None = None
    task_states: tuple[str | None, ...] | None = None
    flavor_id: str | None = None
    image_ref: str | None = None
    host: str | None = None
    node: str | None = None
    reservation_id: str | None = None
    availability_zone: str | None = None
    key_name: str | None = None
    locked: bool | None = None
    changes_since: datetime.datetime | None = None
    changes_before: datetime.datetime | None = None
    deleted: bool | str | None = None
    soft_deleted: bool = False
    tags: tuple[str, ...] | None = None
    tags_any: tuple[str, ...] | None = None
    not_tags: tuple[str, ...] | None = None
    not_tags_any: tuple[str, ...] | None = None
    # Nothing can match (e.g. an unknown status below 2.38).
    match_nothing: bool = False


def _changed_at(record: Mapping[str, Any]):
    return record.get("updated_at") or record.get("created_at")


def _tags_ok(f: InstanceFilters, tags: set[str]) -> bool:
    if f.tags and not set(f.tags) <= tags:
        return False
    if f.tags_any and not set(f.tags_any) & tags:
        return False
    if f.not_tags and set(f.not_tags) <= tags:
        return False
    if f.not_tags_any and set(f.not_tags_any) & tags:
        return False
    return True


_EQUAL = (("project_id", "project_id"), ("user_id", "user_id"), ("image_ref", "image_ref"),
          ("host", "host"), ("node", "node"), ("reservation_id", "reservation_id"),
          ("availability_zone", "availability_zone"), ("key_name", "key_name"))


def matches(f: InstanceFilters, record: Mapping[str, Any], tags: set[str] = frozenset(),
            flavor_id: str | None = None) -> bool:
    """``record`` (instance columns) passes ``f`` (for records outside SQL:
    build requests, which are never deleted)."""
    if f.match_nothing or f.deleted is True:
        return False
    for field, column in _EQUAL:
        wanted = getattr(f, field)
        if wanted is not None and record.get(column) != wanted:
            return False
    if f.uuids is not None and record.get("uuid") not in f.uuids:
        return False
    if f.name is not None and not re.search(f.name, record.get("display_name") or ""):
        return False
    if f.vm_states is not None and record.get("vm_state") not in f.vm_states:
        return False
    if f.task_states is not None and record.get("task_state") not in f.task_states:
        return False
    if f.deleted is None and not f.soft_deleted and record.get("vm_state") == SOFT_DELETED:
        return False
    if f.flavor_id is not None and flavor_id != f.flavor_id:
        return False
    if f.locked is not None and bool(record.get("locked")) != f.locked:
        return False
    changed = _changed_at(record)
    if f.changes_since is not None and (changed is None or changed < f.changes_since):
        return False
    if f.changes_before is not None and (changed is None or changed > f.changes_before):
        return False
    return _tags_ok(f, tags)
