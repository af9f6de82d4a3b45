"""SQL for server tags (cell database ``tags``: one row per (instance,
tag), no soft delete).  The build writes the first ones with
:func:`nubes.cells.repo.instances.add_tags`; listing filters on them in
:mod:`.instance_listing`.  Callers own transactions."""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.cells.cell_db.models import tags


def list_tags(conn: sa.Connection, instance_uuid: str) -> list[str]:
    """The instance's tags, sorted."""
    return list(conn.scalars(sa.select(tags.c.tag).where(tags.c.resource_id == instance_uuid)
                             .order_by(tags.c.tag)))


def exists(conn: sa.Connection, instance_uuid: str, tag: str) -> bool:
    return conn.execute(sa.select(tags.c.tag).where(tags.c.resource_id == instance_uuid,
                                                    tags.c.tag == tag)).first() is not None


def add(conn: sa.Connection, instance_uuid: str, tag: str) -> None:
    conn.execute(sa.insert(tags).values(resource_id=instance_uuid, tag=tag))


def delete(conn: sa.Connection, instance_uuid: str, tag: str) -> bool:
    """False if the instance had no such tag."""
    return conn.execute(sa.delete(tags).where(tags.c.resource_id == instance_uuid,
                                              tags.c.tag == tag)).rowcount > 0


def delete_all(conn: sa.Connection, instance_uuid: str) -> None:
    conn.execute(sa.delete(tags).where(tags.c.resource_id == instance_uuid))


def replace_all(conn: sa.Connection, instance_uuid: str, names: Iterable[str]) -> list[str]:
    """Make ``names`` the instance's tags (duplicates once); the tags, sorted."""
    wanted = sorted(set(names))
    delete_all(conn, instance_uuid)
    if wanted:
        conn.execute(sa.insert(tags), [{"resource_id": instance_uuid, "tag": t}
                                       for t in wanted])
    return wanted
