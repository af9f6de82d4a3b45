"""SQL to remove what a super-conductor that died half-way through placing
an instance left in a cell database: the instance row (never handed to a
host: its build request still exists, its mapping points at no cell) and
every row hanging off it.  Callers own transactions."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.cells.cell_db.models import (
    block_device_mapping,
    instance_actions,
    instance_actions_events,
    instance_faults,
    instance_metadata,
    instance_system_metadata,
    instances,
    tags,
)


def purge(conn: sa.Connection, uuid: str) -> bool:
    """Delete the instance ``uuid`` and its rows if it was never launched;
    False if there was none (or it ran, which a caller holding its build
    request never sees)."""
    row = conn.execute(sa.select(instances.c.id).where(
        instances.c.uuid == uuid, instances.c.launched_at.is_(None))).first()
    if row is None:
        return False
    actions = sa.select(instance_actions.c.id).where(instance_actions.c.instance_uuid == uuid)
    conn.execute(sa.delete(instance_actions_events).where(
        instance_actions_events.c.action_id.in_(actions)))
    for table, column in ((instance_actions, instance_actions.c.instance_uuid),
                          (instance_faults, instance_faults.c.instance_uuid),
                          (instance_metadata, instance_metadata.c.instance_uuid),
                          (instance_system_metadata, instance_system_metadata.c.instance_uuid),
                          (block_device_mapping, block_device_mapping.c.instance_uuid),
                          (tags, tags.c.resource_id)):
        conn.execute(sa.delete(table).where(column == uuid))
    conn.execute(sa.delete(instances).where(instances.c.id == row.id))
    return True
