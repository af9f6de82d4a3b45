"""SQL for placement aggregates and the providers in them."""
from __future__ import annotations

import sqlalchemy as sa

from nubes.common.db.dialect import insert_ignoring_duplicates
from nubes.common.timeutils import utcnow
from nubes.placement.models import (placement_aggregates as aggs,
                                    resource_provider_aggregates as rpa)


def for_provider(conn: sa.Connection, provider_id: int) -> dict[str, int]:
    """The provider's aggregates: uuid -> id, in the order the aggregates
    were first created (placement's order)."""
    rows = conn.execute(sa.select(aggs.c.uuid, aggs.c.id)
                        .select_from(rpa.join(aggs, aggs.c.id == rpa.c.aggregate_id))
                        .where(rpa.c.resource_provider_id == provider_id)
                        .order_by(aggs.c.id))
    return {row.uuid: row.id for row in rows}


def ensure(conn: sa.Connection, uuids) -> dict[str, int]:
    """Ids of the aggregates ``uuids``, creating those that do not exist
    (one row at a time, in the order given: ids follow the caller's order).

    Safe against concurrent creators of the same aggregate: duplicates are
    skipped, and every backend runs at READ COMMITTED, so the following
    SELECT sees the other writer's row."""
    uuids = list(dict.fromkeys(uuids))
    if not uuids:
        return {}
    query = sa.select(aggs.c.uuid, aggs.c.id).where(aggs.c.uuid.in_(sorted(uuids)))
    found = {row.uuid: row.id for row in conn.execute(query)}
    missing = [u for u in uuids if u not in found]
    if missing:
        now = utcnow()
        for u in missing:
            insert_ignoring_duplicates(conn, aggs, [{"uuid": u, "created_at": now}])
        found = {row.uuid: row.id for row in conn.execute(query)}
    return found


def associate(conn: sa.Connection, provider_id: int, aggregate_ids) -> None:
    now = utcnow()
    insert_ignoring_duplicates(conn, rpa, [
        {"resource_provider_id": provider_id, "aggregate_id": a, "created_at": now}
        for a in sorted(set(aggregate_ids))])


def dissociate(conn: sa.Connection, provider_id: int, aggregate_ids) -> None:
    aggregate_ids = sorted(set(aggregate_ids))
    if aggregate_ids:
        conn.execute(sa.delete(rpa).where(rpa.c.resource_provider_id == provider_id,
                                          rpa.c.aggregate_id.in_(aggregate_ids)))
