"""os-aggregates bodies."""
from __future__ import annotations

from nubes.api.compute.views.timestamps import iso
from nubes.cells.records import AggregateRecord


def aggregate(version, agg: AggregateRecord, *, full: bool = True) -> dict:
    """One aggregate; a create answers without hosts and metadata."""
    view = {"id": agg.id, "name": agg.name, "availability_zone": agg.availability_zone,
            "created_at": iso(agg.created_at), "updated_at": iso(agg.updated_at),
            "deleted": False, "deleted_at": None}
    if full:
        view["hosts"] = list(agg.hosts)
        view["metadata"] = dict(agg.metadata)
    if version >= (2, 41):
        view["uuid"] = agg.uuid
    return view


def one(version, agg: AggregateRecord, *, full: bool = True) -> dict:
    return {"aggregate": aggregate(version, agg, full=full)}


def many(version, found: list[AggregateRecord]) -> dict:
    return {"aggregates": [aggregate(version, a) for a in found]}
