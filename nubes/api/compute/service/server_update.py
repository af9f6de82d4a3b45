"""``PUT /servers/{id}``: change a server's name, description, hostname,
access addresses or disk config.

A server in a cell has its instance row updated there (any state, locked
or not, as in OpenStack compute).  A server still being built (instance
mapping without a cell) has its build request's serialized instance
updated in the API database; the super-conductor copies that instance
into a cell, so if the mapping points at a cell right after that write
the cell row is updated too.  (As in OpenStack compute, an update that
lands after the super-conductor read the build request but before it
moved the mapping can still be lost; the caller sees it in the answer but
not later.)
"""
from __future__ import annotations

from typing import Any

from nubes.api.compute.service import instance_cells
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import build_requests
from nubes.cells.repo import instances as instance_repo
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow

# What an update may change (instance columns).
FIELDS = frozenset({"display_name", "display_description", "hostname", "access_ip_v4",
                    "access_ip_v6", "auto_disk_config"})


def update(state: ComputeState, ctx: RequestContext, uuid: str,
           values: dict[str, Any]) -> None:
    """Write ``values`` (a subset of :data:`FIELDS`) where the server is;
    404 when the caller cannot see it or it is gone."""
    unknown = set(values) - FIELDS
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    if not values:
        return      # nothing to write (the caller shows the server as it is)
    mapping = instance_cells.mapping_of(state, uuid, ctx)
    if mapping.cell_id is None:
        now = utcnow()
        wrote = state.api_db.write(lambda conn: build_requests.update_instance(
            conn, uuid, {**values, "updated_at": now}))
        mapping = instance_cells.mapping_of(state, uuid)
        if mapping.cell_id is None:
            if wrote:
                return
            raise instance_cells.not_found(uuid)
    cell = instance_cells.cell_of(state, mapping)
    changed = state.cells.database(cell).write(
        lambda conn: instance_repo.update(conn, uuid, values, utcnow()))
    if not changed:
        raise instance_cells.not_found(uuid)
