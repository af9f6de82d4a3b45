"""``shelve``, ``shelveOffload`` and ``unshelve``.

* shelve (ACTIVE, STOPPED, PAUSED, SUSPENDED): task ``shelving``, then the
  host powers the guest off and leaves it SHELVED; with
  ``shelved_offload_time`` 0 it offloads at once (frees its allocations and
  leaves the host).
* shelveOffload (SHELVED): task ``shelving_offloading``; the host offloads.
* unshelve (SHELVED, SHELVED_OFFLOADED): task ``unshelving``.  A SHELVED
  server is powered on where it is; an offloaded one goes to the
  super-conductor, which schedules and claims it again in its own cell
  (2.77 ``availability_zone``; 2.91 ``host`` for admins, and a null zone
  to unpin).  A zone or host for a server that is not offloaded is a 409.
"""
from __future__ import annotations

import logging

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import server_snapshot, server_tasks
from nubes.api.compute.service.server_tasks import Task
from nubes.api.compute.state import ComputeState
from nubes.cells.repo import host_mappings, instance_metadata
from nubes.common.context import RequestContext
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import Action, TaskState, VmState
from nubes.conductor.super.rpcapi import SuperConductorAPI
from nubes.image.client import ImageClientError

LOG = logging.getLogger(__name__)

SHELVE = Task("shelve", Action.SHELVE, (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED,
                                         VmState.SUSPENDED), TaskState.SHELVING)
OFFLOAD = Task("shelveOffload", Action.SHELVE_OFFLOAD, (VmState.SHELVED,),
               TaskState.SHELVING_OFFLOADING)
UNSHELVE = Task("unshelve", Action.UNSHELVE, (VmState.SHELVED, VmState.SHELVED_OFFLOADED),
                TaskState.UNSHELVING, needs_host=False)
KEEP = "keep"
SHELVED_IMAGE_KEY = "shelved_image_id"


def shelve(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    """With an image API, the guest's disk is kept as a snapshot image
    ``<name>-shelved`` owned by the server's project, whoever shelves it (its
    id in the system metadata ``shelved_image_id``; unshelve deletes it once
    the server runs again, and so does deleting the shelved server)."""
    located = server_tasks.locate_live(state, uuid, SHELVE.verb)
    server_tasks.check(ctx, located, SHELVE)
    image_id = None
    if state.images is not None:
        image_id = server_snapshot.new_image(
            state, ctx, located, f"{located.instance.display_name or uuid}-shelved", {},
            "snapshot", owner=_image_owner(ctx, located))
    try:
        located = server_tasks.start(
            state, ctx, uuid, SHELVE,
            system_metadata={SHELVED_IMAGE_KEY: image_id} if image_id else None)
    except exc.ComputeError:
        if image_id:
            state.images.delete(image_id, token=ctx.auth_token, request_id=ctx.request_id)
        raise
    ComputeAPI(state.buses.require(located.cell)).shelve_instance(
        ctx, located.instance.host, uuid, offload=state.conf.shelved_offload_time == 0,
        image_id=image_id).send()


def _image_owner(ctx: RequestContext, located) -> str | None:
    """The server's project when an admin of another project shelves it
    (only an admin may give an image to another project); else the
    caller's own."""
    project = located.instance.project_id
    return project if ctx.is_admin and project != ctx.project_id else None


def shelve_offload(state: ComputeState, ctx: RequestContext, uuid: str) -> None:
    located = server_tasks.start(state, ctx, uuid, OFFLOAD)
    ComputeAPI(state.buses.require(located.cell)).shelve_offload_instance(
        ctx, located.instance.host, uuid).send()


def unshelve(state: ComputeState, ctx: RequestContext, uuid: str, *,
             availability_zone: str | None = KEEP, host: str | None = None) -> None:
    located = server_tasks.locate_live(state, uuid, UNSHELVE.verb)
    server_tasks.check(ctx, located, UNSHELVE)
    offloaded = located.instance.vm_state == VmState.SHELVED_OFFLOADED
    if not offloaded and (availability_zone != KEEP or host is not None):
        raise exc.Conflict(f"The unshelve action with a new availability zone or host "
                           f"needs the server to be offloaded, and {uuid} is in vm_state "
                           f"{located.instance.vm_state}")
    if host is not None and state.api_db.read(
            lambda conn: host_mappings.get_by_host(conn, host)) is None:
        raise exc.Invalid(f"Compute host {host} could not be found.")
    if offloaded and state.api_transport is None:
        raise exc.Unavailable("Unshelving an offloaded server needs the super-conductor "
                              "([DEFAULT] transport_url).")
    located = server_tasks.start(state, ctx, uuid, UNSHELVE)
    if offloaded:
        SuperConductorAPI(state.api_transport).unshelve_instance(
            ctx, uuid, availability_zone=availability_zone, host=host).send()
    else:
        ComputeAPI(state.buses.require(located.cell)).unshelve_instance(
            ctx, located.instance.host, uuid, image_id=shelved_image(state, located)).send()


def shelved_image(state: ComputeState, located) -> str | None:
    """The snapshot the last shelve left (None: none)."""
    items = state.cells.database(located.cell).read(lambda conn: instance_metadata.get_all(
        conn, located.mapping.instance_uuid, system=True))
    return items.get(SHELVED_IMAGE_KEY) or None


def delete_shelved_image(state: ComputeState, ctx: RequestContext, image_id: str) -> None:
    """A shelved server was deleted: its snapshot goes too (a failure is
    logged; the server is gone either way)."""
    if state.images is None:
        return
    try:
        state.images.delete(image_id, token=ctx.auth_token, request_id=ctx.request_id)
    except ImageClientError as err:
        LOG.warning("could not delete the shelved image %s: %s", image_id, err)
