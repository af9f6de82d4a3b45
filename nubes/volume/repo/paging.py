"""Keyset paging every volume API list shares: sort by the given keys
(``id`` last, to break ties), start after the ``marker`` row, then
``offset`` and ``limit``."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa


def page_query(query: sa.Select, columns: dict[str, sa.ColumnElement],
               sort: list[tuple[str, str]], *, limit: int, offset: int,
               marker_value: Callable[[str], object] | None) -> sa.Select:
    """``query`` ordered by ``sort`` (keys of ``columns``), past the marker
    whose value for a key ``marker_value(key)`` gives, and cut to a page."""
    keys = list(sort)
    if not any(k == "id" for k, _ in keys):
        keys.append(("id", keys[-1][1] if keys else "desc"))
    if marker_value is not None:
        clauses = []
        for i, (key, direction) in enumerate(keys):
            column, value = columns[key], marker_value(key)
            step = column < value if direction == "desc" else column > value
            clauses.append(sa.and_(*(columns[k] == marker_value(k) for k, _ in keys[:i]),
                                   step))
        query = query.where(sa.or_(*clauses))
    query = query.order_by(*(columns[k].desc() if d == "desc" else columns[k].asc()
                             for k, d in keys))
    return query.offset(offset).limit(limit)


def attribute_value(record, renamed: dict[str, str] | None = None) -> Callable[[str], object]:
    """A marker's value for a sort key: the record's attribute (``renamed``
    maps a key to another attribute); None sorts as ""."""
    def value(key: str):
        found = getattr(record, (renamed or {}).get(key, key))
        return "" if found is None else found
    return value


def filter_clauses(table: sa.Table, metadata_owner: sa.Column, filters: dict,
                   special: dict[str, Callable] | None = None) -> list:
    """``filters`` on ``table``: column name -> value; ``name~`` /
    ``description~`` a substring; ``metadata`` a dict every key of which
    must match in the metadata table whose ``metadata_owner`` column points
    at ``table``'s id; ``special`` keys make their own clause from the value."""
    meta = metadata_owner.table
    clauses = []
    for key, value in filters.items():
        if special and key in special:
            clauses.append(special[key](value))
        elif key == "metadata":
            for mkey, mvalue in value.items():
                clauses.append(table.c.id.in_(sa.select(metadata_owner).where(
                    meta.c.key == mkey, meta.c.value == mvalue)))
        elif key.endswith("~"):
            clauses.append(getattr(table.c, key[:-1]).contains(value, autoescape=True))
        else:
            clauses.append(getattr(table.c, key) == value)
    return clauses
