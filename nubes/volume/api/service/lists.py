"""A page of a volume API collection (volumes, snapshots): the marker
looked up and checked, the page, the total when asked for."""
from __future__ import annotations

import dataclasses

from nubes.common.db.transaction import Database
from nubes.volume import exceptions as exc
from nubes.volume.api.service import access


@dataclasses.dataclass(frozen=True)
class Listing:
    filters: dict
    sort: list[tuple[str, str]]
    limit: int
    offset: int = 0
    marker: str | None = None
    with_count: bool = False


def page(db: Database, ctx, listing: Listing, repo) -> tuple[list, int | None]:
    """``repo`` (a module with ``get``, ``page`` and ``count``) lists the
    collection; ``filters`` already names the project unless an admin
    lists every project."""
    def work(conn):
        marker = None
        if listing.marker is not None:
            marker = repo.get(conn, listing.marker)
            if marker is None or not access.visible(ctx, marker.project_id):
                raise exc.NotFound(f"Marker {listing.marker} could not be found.")
        found = repo.page(conn, listing.filters, listing.sort, limit=listing.limit,
                          offset=listing.offset, marker=marker)
        total = repo.count(conn, listing.filters) if listing.with_count else None
        return found, total
    return db.read(work)
