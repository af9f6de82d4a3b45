"""SQL for a provider's inventory records."""
from __future__ import annotations

import collections

import sqlalchemy as sa

from nubes.common.timeutils import utcnow
from nubes.placement.models import inventories as inv, resource_classes as rc

FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")

_COLUMNS = (inv.c.id, inv.c.resource_class_id, rc.c.name.label("resource_class"),
            *(inv.c[f] for f in FIELDS), inv.c.created_at, inv.c.updated_at)

Record = collections.namedtuple("Record", [c.name for c in _COLUMNS])


def for_provider(conn: sa.Connection, provider_id: int) -> list[Record]:
    """The provider's inventory records, by class name."""
    rows = conn.execute(sa.select(*_COLUMNS)
                        .select_from(inv.join(rc, rc.c.id == inv.c.resource_class_id))
                        .where(inv.c.resource_provider_id == provider_id)
                        .order_by(rc.c.name))
    return [Record(*row) for row in rows]


def insert(conn: sa.Connection, provider_id: int, class_id: int, values: dict) -> None:
    conn.execute(sa.insert(inv).values(resource_provider_id=provider_id,
                                       resource_class_id=class_id,
                                       created_at=utcnow(), **values))


def update(conn: sa.Connection, inventory_id: int, values: dict) -> None:
    conn.execute(sa.update(inv).where(inv.c.id == inventory_id)
                 .values(updated_at=utcnow(), **values))


def delete(conn: sa.Connection, provider_id: int, class_ids) -> None:
    class_ids = sorted(set(class_ids))
    if class_ids:
        conn.execute(sa.delete(inv).where(inv.c.resource_provider_id == provider_id,
                                          inv.c.resource_class_id.in_(class_ids)))
