"""Mirror host aggregates into placement.

A host aggregate's uuid is also a placement aggregate; the resource
providers of a host's compute nodes (same uuids as the nodes) are members
of it while the host is.  The API database is the source of truth: the
mirror is best effort (a failure is logged, never returned to the caller)
and a provider that does not exist yet is skipped, because the compute
agent registers it with its host's aggregates when it starts.
"""
from __future__ import annotations

import logging

from nubes.api.compute.service import cells
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import compute_nodes as node_repo
from nubes.common.context import RequestContext
from nubes.placement import client as placement_client

LOG = logging.getLogger(__name__)


def node_uuids_of_host(state: ComputeState, host: str) -> list[str]:
    cell = cells.cell_of_host(state, host)
    if cell is None:
        return []
    return [n.uuid for n in cells.read(state, cell,
                                       lambda conn: node_repo.list_live(conn, host=host))]


def mirror_host(state: ComputeState, ctx: RequestContext, aggregate_uuid: str, host: str, *,
                member: bool) -> None:
    """Make the providers of ``host`` members (or not) of ``aggregate_uuid``."""
    if state.placement is None:
        LOG.warning("placement is not configured: aggregate %s is not mirrored for host %s",
                    aggregate_uuid, host)
        return
    try:
        node_uuids = node_uuids_of_host(state, host)
    except Exception as err:  # noqa: BLE001 - a down cell must not fail the request
        LOG.warning("cannot find the compute nodes of host %s to mirror aggregate %s: %s",
                    host, aggregate_uuid, err)
        return
    change = {"add": [aggregate_uuid]} if member else {"remove": [aggregate_uuid]}
    for node_uuid in node_uuids:
        try:
            state.placement.update_aggregates(node_uuid, request_id=cells.forwarded_request_id(ctx),
                                              **change)
        except placement_client.PlacementNotFound:
            LOG.warning("host %s: resource provider %s is not in placement yet; aggregate %s "
                        "not mirrored", host, node_uuid, aggregate_uuid)
        except placement_client.PlacementError as err:
            LOG.warning("host %s: could not mirror aggregate %s to provider %s: %s",
                        host, aggregate_uuid, node_uuid, err)
