"""SQL for host aggregates, their hosts and metadata (API database).

The availability zone of an aggregate is its ``availability_zone``
metadata key; :func:`zones_of_hosts` answers "which zones is this host in"
for the compute API's services, zones and aggregate checks.
"""
from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from nubes.cells.api_db.models import aggregate_hosts as ah
from nubes.cells.api_db.models import aggregate_metadata as am
from nubes.cells.api_db.models import aggregates as agg
from nubes.cells.records import AZ_KEY, AggregateRecord
from nubes.common.db import key_values
from nubes.common.timeutils import utcnow



def _load(conn: sa.Connection, where=None) -> list[AggregateRecord]:
    query = sa.select(agg).order_by(agg.c.id)
    if where is not None:
        query = query.where(where)
    rows = list(conn.execute(query))
    if not rows:
        return []
    ids = [r.id for r in rows]
    hosts: dict[int, list[str]] = {i: [] for i in ids}
    for r in conn.execute(sa.select(ah.c.aggregate_id, ah.c.host)
                          .where(ah.c.aggregate_id.in_(ids)).order_by(ah.c.id)):
        hosts[r.aggregate_id].append(r.host)
    metadata: dict[int, dict[str, str]] = {i: {} for i in ids}
    for r in conn.execute(sa.select(am.c.aggregate_id, am.c.key, am.c.value)
                          .where(am.c.aggregate_id.in_(ids))):
        metadata[r.aggregate_id][r.key] = r.value
    return [AggregateRecord(id=r.id, uuid=r.uuid, name=r.name, created_at=r.created_at,
                            updated_at=r.updated_at, hosts=tuple(hosts[r.id]),
                            metadata=metadata[r.id]) for r in rows]


def list_all(conn: sa.Connection) -> list[AggregateRecord]:
    return _load(conn)


def get(conn: sa.Connection, aggregate_id: int) -> AggregateRecord | None:
    found = _load(conn, agg.c.id == aggregate_id)
    return found[0] if found else None


def name_taken(conn: sa.Connection, name: str, *, other_than: int | None = None) -> bool:
    query = sa.select(agg.c.id).where(agg.c.name == name)
    if other_than is not None:
        query = query.where(agg.c.id != other_than)
    return conn.execute(query).first() is not None


def create(conn: sa.Connection, *, uuid: str, name: str, metadata: dict[str, str]) -> int:
    now = utcnow()
    new_id = conn.execute(sa.insert(agg).values(uuid=uuid, name=name, created_at=now)
                          ).inserted_primary_key[0]
    if metadata:
        conn.execute(sa.insert(am), [{"aggregate_id": new_id, "key": k, "value": v,
                                      "created_at": now} for k, v in metadata.items()])
    return new_id


def rename(conn: sa.Connection, aggregate_id: int, name: str) -> None:
    conn.execute(sa.update(agg).where(agg.c.id == aggregate_id)
                 .values(name=name, updated_at=utcnow()))


def touch(conn: sa.Connection, aggregate_id: int) -> None:
    conn.execute(sa.update(agg).where(agg.c.id == aggregate_id).values(updated_at=utcnow()))


def delete(conn: sa.Connection, aggregate_id: int) -> int:
    conn.execute(sa.delete(am).where(am.c.aggregate_id == aggregate_id))
    conn.execute(sa.delete(ah).where(ah.c.aggregate_id == aggregate_id))
    return conn.execute(sa.delete(agg).where(agg.c.id == aggregate_id)).rowcount


def update_metadata(conn: sa.Connection, aggregate_id: int,
                    changes: dict[str, str | None]) -> None:
    """Set keys to values; a ``None`` value removes the key."""
    key_values.set_keys(conn, am.c.aggregate_id, aggregate_id, am.c.key, changes, utcnow())


def add_host(conn: sa.Connection, aggregate_id: int, host: str) -> None:
    conn.execute(sa.insert(ah).values(aggregate_id=aggregate_id, host=host,
                                      created_at=utcnow()))


def remove_host(conn: sa.Connection, aggregate_id: int, host: str) -> int:
    return conn.execute(sa.delete(ah).where(ah.c.aggregate_id == aggregate_id,
                                            ah.c.host == host)).rowcount


def remove_host_everywhere(conn: sa.Connection, host: str) -> list[str]:
    """Take ``host`` out of every aggregate; the uuids of those aggregates."""
    uuids = list(conn.scalars(sa.select(agg.c.uuid).select_from(
        ah.join(agg, agg.c.id == ah.c.aggregate_id)).where(ah.c.host == host)
        .order_by(agg.c.id)))
    conn.execute(sa.delete(ah).where(ah.c.host == host))
    return uuids


def zones_of_hosts(conn: sa.Connection, hosts: Iterable[str] | None = None, *,
                   excluding: int | None = None) -> dict[str, set[str]]:
    """host -> availability zones of the aggregates it is in (hosts in no
    zoned aggregate are absent); ``excluding`` leaves one aggregate out."""
    query = (sa.select(ah.c.host, am.c.value)
             .select_from(ah.join(am, am.c.aggregate_id == ah.c.aggregate_id))
             .where(am.c.key == AZ_KEY))
    if hosts is not None:
        hosts = sorted(set(hosts))
        if not hosts:
            return {}
        query = query.where(ah.c.host.in_(hosts))
    if excluding is not None:
        query = query.where(ah.c.aggregate_id != excluding)
    zones: dict[str, set[str]] = {}
    for host, zone in conn.execute(query):
        zones.setdefault(host, set()).add(zone)
    return zones
