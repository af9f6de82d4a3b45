"""The one sort order of a cross-cell listing, in Python and in SQL.

:func:`sort_order` turns the requested keys and directions into a
:class:`SortOrder` that always ends with the uuid (ascending) unless the
caller sorted by it already, so the order is total across cells.  NULLs
sort *before* every value (smallest), whatever the backend.  The same order
is applied three ways that must agree: :meth:`SortOrder.key` (the merge in
:mod:`nubes.cells.lister`), :func:`order_by` and :func:`after_condition`
(each cell's query, with strings compared byte-wise).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Iterable, Mapping, Sequence

import sqlalchemy as sa

ASC, DESC = "asc", "desc"
TIEBREAK_KEY = "uuid"
DEFAULT_KEYS = ("created_at", "id")
DEFAULT_DIR = DESC


# --- sort order ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SortKey:
    name: str
    direction: str = ASC

    def __post_init__(self):
        if self.direction not in (ASC, DESC):
            raise ValueError(f"sort direction must be asc or desc, not {self.direction!r}")


@dataclasses.dataclass(frozen=True)
class SortOrder:
    keys: tuple[SortKey, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    def values(self, record: Mapping[str, Any]) -> tuple:
        """The record's sort values, in key order."""
        return tuple(record.get(k.name) for k in self.keys)

    def key(self, record: Mapping[str, Any]) -> "_Comparable":
        """A value ordering records as this order does (``heapq.merge``'s key)."""
        return _Comparable(self, self.values(record))


def sort_order(keys: Sequence[str] = (), dirs: Sequence[str] = (), *,
               default_keys: Sequence[str] = DEFAULT_KEYS,
               default_dir: str = DEFAULT_DIR, tiebreak: str = TIEBREAK_KEY) -> SortOrder:
    """Keys and directions as list APIs take them.

    * no keys: ``default_keys`` (created_at, id), in the one direction given
      or ``default_dir`` (desc);
    * one direction for several keys applies to all of them; otherwise
      keys without a direction take ``default_dir``; more directions than
      keys is a ``ValueError``;
    * a key given twice counts once (the first);
    * ``tiebreak`` (uuid) is appended ascending unless already present.
    """
    keys, dirs = list(keys), [d.lower() for d in dirs]
    if len(dirs) > max(len(keys), 1):
        raise ValueError("more sort directions than sort keys")
    if not keys:
        keys = list(default_keys)
        dirs = dirs * len(keys) if dirs else []
    elif len(dirs) == 1:
        dirs = dirs * len(keys)
    dirs += [default_dir] * (len(keys) - len(dirs))
    seen: set[str] = set()
    order = []
    for name, direction in zip(keys, dirs):
        if name not in seen:
            seen.add(name)
            order.append(SortKey(name, direction))
    if tiebreak and tiebreak not in seen:
        order.append(SortKey(tiebreak, ASC))
    return SortOrder(tuple(order))


def compare_values(order: SortOrder, left: Sequence, right: Sequence) -> int:
    """-1, 0 or 1: how ``left`` sorts against ``right`` (NULL smallest)."""
    for key, a, b in zip(order.keys, left, right):
        if a == b:
            continue
        if a is None:
            result = -1
        elif b is None:
            result = 1
        else:
            result = -1 if a < b else 1
        return -result if key.direction == DESC else result
    return 0


@functools.total_ordering
class _Comparable:
    __slots__ = ("order", "values")

    def __init__(self, order: SortOrder, values: tuple):
        self.order = order
        self.values = values

    def __lt__(self, other: "_Comparable") -> bool:
        return compare_values(self.order, self.values, other.values) < 0

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _Comparable)
                and compare_values(self.order, self.values, other.values) == 0)


def sort_records(records: Iterable[Mapping[str, Any]], order: SortOrder) -> list:
    return sorted(records, key=order.key)


def after_values(records: Iterable[Mapping[str, Any]], order: SortOrder,
                 marker_values: Sequence) -> list:
    """The records strictly after ``marker_values`` (Python twin of
    :func:`after_condition`, for records that are not in a database)."""
    return [r for r in records if compare_values(order, order.values(r), marker_values) > 0]


# --- SQL: ORDER BY and the keyset "after" condition ---------------------------------

def _comparable(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    """The column as compared for sorting: strings byte-wise."""
    if isinstance(column.type, sa.String):
        if dialect == "postgresql":
            return column.collate('C')
        if dialect in ("mysql", "mariadb"):
            return column.collate("utf8mb4_bin")
    return column


def order_by(columns: Mapping[str, sa.ColumnElement], order: SortOrder,
             dialect: str) -> list[sa.ColumnElement]:
    """ORDER BY clauses with NULLs smallest on every backend (MySQL and
    SQLite do that already; PostgreSQL is told)."""
    clauses = []
    for key in order.keys:
        col = _comparable(columns[key.name], dialect)
        clause = col.asc() if key.direction == ASC else col.desc()
        if dialect == "postgresql":
            clause = clause.nulls_first() if key.direction == ASC else clause.nulls_last()
        clauses.append(clause)
    return clauses


def _equal(col: sa.ColumnElement, value) -> sa.ColumnElement:
    return col.is_(None) if value is None else col == value


def _after(col: sa.ColumnElement, direction: str, value) -> sa.ColumnElement | None:
    """``col`` strictly after ``value`` in this direction (None: impossible)."""
    if direction == ASC:
        return col.is_not(None) if value is None else col > value
    if value is None:
        return None          # nothing sorts after NULL going down
    return sa.or_(col < value, col.is_(None))


def after_condition(columns: Mapping[str, sa.ColumnElement], order: SortOrder,
                    values: Sequence, dialect: str) -> sa.ColumnElement:
    """Rows strictly after the record with sort ``values``:
    ``k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...`` with each ``>`` read in its
    key's direction and NULLs smallest."""
    disjuncts = []
    prefix: list[sa.ColumnElement] = []
    for key, value in zip(order.keys, values):
        col = _comparable(columns[key.name], dialect)
        step = _after(col, key.direction, value)
        if step is not None:
            disjuncts.append(sa.and_(*prefix, step))
        prefix.append(_equal(col, value))
    return sa.or_(*disjuncts) if disjuncts else sa.false()
