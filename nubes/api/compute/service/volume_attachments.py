"""A server's volumes (``/servers/{id}/os-volume_attachments``), through
the volume service's attachments (the new attach flow only).

* **attach**: the volume is read and reserved (``attachment_create``
  without a connector: the volume service refuses a second attachment of a
  volume that is not multiattach, so of two racing attaches one wins);
  then in **one cell transaction** the server's states are checked (and
  its lock), the mapping is written with the attachment id and a free
  device name, and the ``attach_volume`` action starts; after the commit
  ``attach_volume`` is cast to the host, which connects and completes.  A
  shelved-offloaded server has no host: the attachment is completed here.
  Whatever fails after the reservation deletes it again.
* **detach**: ``begin_detaching`` (the volume goes ``detaching``), the
  ``detach_volume`` action, a cast to the host (driver detach,
  ``attachment_delete``, the mapping soft-deleted).  The root volume
  cannot be detached.
* **update** (PUT): the same volume changes only ``delete_on_termination``
  (2.85); another volume is a **swap** (admins): the new one reserved, the
  old one ``detaching``, ``swap_volume`` cast to the host.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable

from nubes.api.compute import exceptions as exc
from nubes.api.compute.service import instance_cells, server_tasks
from nubes.api.compute.service.instance_cells import Located
from nubes.api.compute.state import ComputeState
from nubes.cells.records import InstanceMapping
from nubes.cells.repo import block_device_mappings as bdm_repo
from nubes.cells.repo import instance_actions
from nubes.cells.repo import instances as instance_repo
from nubes.common import local_disks
from nubes.common.context import RequestContext
from nubes.common.timeutils import utcnow
from nubes.compute import messages as compute_messages
from nubes.compute.rpcapi import ComputeAPI
from nubes.compute.states import VmState
from nubes.volume.client import (Volume, VolumeClient, VolumeClientError, VolumeNotFound,
                                 VolumeUnavailable)

ATTACH, DETACH, SWAP = "attach_volume", "detach_volume", "swap_volume"
_V = VmState
# Where OpenStack compute lets a volume be attached or detached, and swapped.
ATTACH_STATES = (_V.ACTIVE, _V.PAUSED, _V.STOPPED, _V.RESIZED, _V.SOFT_DELETED,
                 _V.SHELVED, _V.SHELVED_OFFLOADED)
SWAP_STATES = (_V.ACTIVE, _V.PAUSED, _V.RESIZED)
ROOT_DEVICE = "/dev/vda"
_DEVICE = re.compile(r"^/dev/[a-z]{2,4}[a-z]$")


@dataclasses.dataclass(frozen=True)
class AttachRequest:
    volume_id: str
    device: str | None = None
    tag: str | None = None
    delete_on_termination: bool = False
    multiattach_ok: bool = False         # 2.60+


def _client(state: ComputeState) -> VolumeClient:
    if state.volumes is None:
        raise exc.Unavailable("The volume service is not configured "
                              "([identity] volume_endpoint).")
    return state.volumes


def _kw(ctx: RequestContext) -> dict[str, Any]:
    return {"token": ctx.auth_token, "request_id": ctx.request_id}


def _volume_call(call: Callable[[], Any], volume_id: str) -> Any:
    """A volume service call; its refusals as the compute API's faults."""
    try:
        return call()
    except VolumeNotFound:
        raise exc.NotFound(f"Volume {volume_id} could not be found.") from None
    except VolumeUnavailable as err:
        raise exc.Unavailable(f"The volume service did not answer: {err}") from None
    except VolumeClientError as err:
        raise exc.Invalid(f"Invalid volume: {err}") from None


def _volume(state: ComputeState, ctx: RequestContext, volume_id: str) -> Volume:
    volume = _volume_call(lambda: _client(state).get_volume(volume_id, **_kw(ctx)),
                          volume_id)
    if volume is None:
        raise exc.NotFound(f"Volume {volume_id} could not be found.")
    return volume


# --- reads ---------------------------------------------------------------------------

def list_attachments(state: ComputeState, mapping: InstanceMapping) -> list[dict]:
    """The server's volume mappings, in attachment order (none while it is
    a build request)."""
    uuid = mapping.instance_uuid
    if mapping.cell_id is None:
        return []
    located, bdms = instance_cells.locate_with(
        state, mapping, lambda conn: bdm_repo.volumes_of(conn, uuid))
    if located.instance is None or located.instance.deleted:
        raise instance_cells.not_found(uuid)
    return bdms


def show(state: ComputeState, mapping: InstanceMapping, volume_id: str) -> dict:
    for bdm in list_attachments(state, mapping):
        if bdm["volume_id"] == volume_id:
            return bdm
    raise exc.NotFound(f"Volume {volume_id} is not attached to instance "
                       f"{mapping.instance_uuid}.")


# --- the state rule ------------------------------------------------------------------

def _check(ctx: RequestContext, located: Located, verb: str, vm_states: tuple) -> None:
    server_tasks.check(ctx, located, server_tasks.Task(verb, verb, vm_states, None,
                                                       needs_host=False))


def _guarded(conn, ctx: RequestContext, located: Located, verb: str,
             vm_states: tuple) -> int:
    """In the caller's transaction: the server still in ``vm_states``,
    with no task, unlocked (for non-admins), and the action started (its
    id); 409 otherwise (the transaction rolls back)."""
    uuid, now = located.mapping.instance_uuid, utcnow()
    if not instance_repo.update(conn, uuid, {}, now, task_states=[None],
                                vm_states=vm_states, unlocked=not ctx.is_admin):
        raise exc.Conflict(f"Cannot '{verb}' instance {uuid}: it changed meanwhile")
    return instance_actions.start_action(conn, uuid, verb, request_id=ctx.request_id,
                                         user_id=ctx.user_id,
                                         project_id=located.instance.project_id, now=now)


def _host_event(conn, located: Located, action_id: int, event: str) -> None:
    """The host's event of the action, started here (in the action's
    transaction) so that the host only finishes it."""
    instance_actions.start_event(conn, action_id, event, host=located.instance.host,
                                 now=utcnow())


def _offloaded(located: Located) -> bool:
    return located.instance.vm_state == _V.SHELVED_OFFLOADED or not located.instance.host


# --- attach --------------------------------------------------------------------------

def _device(existing: set[str], wanted: str | None, local: set[str]) -> str:
    """The device a volume is attached at: the one asked for unless a
    volume or the root disk has it, else the first one after ``/dev/vda``
    that neither a volume nor the flavor's local disks (``local``) have."""
    if wanted:
        if not _DEVICE.match(wanted):
            raise exc.Invalid(f"The supplied device path ({wanted}) is invalid.")
        if wanted in existing or wanted == ROOT_DEVICE:
            raise exc.Conflict(f"The supplied device path ({wanted}) is in use.")
        return wanted
    for letter in "bcdefghijklmnopqrstuvwxyz":
        name = f"/dev/vd{letter}"
        if name not in existing and name not in local:
            return name
    raise exc.Forbidden("The maximum allowed number of disk devices (26) to attach to "
                        "a single instance has been exceeded.")


def _already_attached(uuid: str, volume_id: str) -> exc.Invalid:
    return exc.Invalid(f"Invalid volume: volume {volume_id} is already attached "
                       f"to instance {uuid}.")


def attach(state: ComputeState, ctx: RequestContext, mapping: InstanceMapping,
           req: AttachRequest) -> dict:
    """The mapping written (the host connects the volume after this returns)."""
    volumes, uuid = _client(state), mapping.instance_uuid
    located, bdms = server_tasks.live_with(state, mapping, ATTACH,
                                           lambda conn: bdm_repo.of_instance(conn, uuid))
    _check(ctx, located, ATTACH, ATTACH_STATES)
    if any(bdm["volume_id"] == req.volume_id for bdm in bdms):
        raise _already_attached(uuid, req.volume_id)
    volume = _volume(state, ctx, req.volume_id)
    if volume.multiattach and not req.multiattach_ok:
        raise exc.Invalid("Multiattach volumes are only supported starting with compute "
                          "API version 2.60.")
    attachment = _volume_call(lambda: volumes.attachment_create(
        req.volume_id, instance_uuid=uuid, **_kw(ctx)), req.volume_id)
    offloaded = _offloaded(located)

    def work(conn) -> dict:
        action_id = _guarded(conn, ctx, located, ATTACH, ATTACH_STATES)
        current = bdm_repo.of_instance(conn, uuid)
        if any(bdm["volume_id"] == req.volume_id for bdm in current):
            raise _already_attached(uuid, req.volume_id)   # a racing attach won
        device = _device(bdm_repo.device_names(current) | {ROOT_DEVICE}, req.device,
                         local_disks.instance_local_devices(located.instance))
        bdm = bdm_repo.create(conn, uuid, {
            "source_type": "volume", "destination_type": "volume", "volume_id": volume.id,
            "attachment_id": attachment.id, "device_name": device,
            "volume_size": volume.size, "delete_on_termination": req.delete_on_termination,
            "tag": req.tag, "boot_index": None}, utcnow())
        if offloaded:   # nothing runs on a host
            instance_actions.finish_action(conn, action_id, utcnow())
        else:
            _host_event(conn, located, action_id, compute_messages.ATTACH_VOLUME_EVENT)
        return bdm
    try:
        bdm = state.cells.database(located.cell).write(work)
        if offloaded:   # no host to connect it: in use with no connection
            volumes.attachment_complete(attachment.id, **_kw(ctx))
        else:
            ComputeAPI(state.buses.require(located.cell)).attach_volume(
                ctx, located.instance.host, uuid, bdm_uuid=bdm["uuid"], bdm=bdm,
                event_started=True).send()
    except BaseException:
        volumes.attachment_delete(attachment.id, **_kw(ctx))
        raise
    return bdm


# --- detach --------------------------------------------------------------------------

def _attached(state: ComputeState, mapping: InstanceMapping, volume_id: str,
              verb: str) -> tuple[Located, dict]:
    """The live server and the mapping of ``volume_id`` on it (one cell read)."""
    uuid = mapping.instance_uuid
    located, bdm = server_tasks.live_with(
        state, mapping, verb, lambda conn: bdm_repo.of_volume(conn, uuid, volume_id))
    if bdm is None:
        raise exc.NotFound(f"Volume {volume_id} is not attached to instance {uuid}.")
    return located, bdm


def detach(state: ComputeState, ctx: RequestContext, mapping: InstanceMapping,
           volume_id: str) -> None:
    volumes, uuid = _client(state), mapping.instance_uuid
    located, bdm = _attached(state, mapping, volume_id, DETACH)
    _check(ctx, located, DETACH, ATTACH_STATES)
    offloaded = _offloaded(located)
    if bdm.get("boot_index") == 0 and not offloaded:
        raise exc.Invalid("Cannot detach a root device volume")
    if offloaded:
        return _detach_offloaded(state, ctx, located, bdm)
    _volume_call(lambda: volumes.begin_detaching(volume_id, **_kw(ctx)), volume_id)

    def work(conn) -> None:
        action_id = _guarded(conn, ctx, located, DETACH, ATTACH_STATES)
        _host_event(conn, located, action_id, compute_messages.DETACH_VOLUME_EVENT)
    try:
        state.cells.database(located.cell).write(work)
        ComputeAPI(state.buses.require(located.cell)).detach_volume(
            ctx, located.instance.host, uuid, bdm_uuid=bdm["uuid"], bdm=bdm,
            event_started=True).send()
    except BaseException:
        volumes.roll_detaching(volume_id, **_kw(ctx))
        raise


def _detach_offloaded(state: ComputeState, ctx: RequestContext, located: Located,
                      bdm: dict) -> None:
    """No host: the attachment goes here (and the volume, when marked
    ``delete_on_termination``)."""
    volumes = _client(state)

    def work(conn) -> None:
        action_id = _guarded(conn, ctx, located, DETACH, ATTACH_STATES)
        bdm_repo.soft_delete(conn, bdm["uuid"], utcnow())
        instance_actions.finish_action(conn, action_id, utcnow())
    state.cells.database(located.cell).write(work)
    _volume_call(lambda: volumes.attachment_delete(bdm["attachment_id"], **_kw(ctx)),
                 bdm["volume_id"])
    if bdm["delete_on_termination"]:
        _volume_call(lambda: volumes.delete_volume(bdm["volume_id"], **_kw(ctx)),
                     bdm["volume_id"])


# --- update and swap -----------------------------------------------------------------

def update(state: ComputeState, ctx: RequestContext, mapping: InstanceMapping,
           volume_id: str, delete_on_termination: bool) -> None:
    """2.85: only ``delete_on_termination`` of the same volume changes."""
    located, bdm = _attached(state, mapping, volume_id, "update volume attachment")
    _check(ctx, located, "update volume attachment", ATTACH_STATES)
    state.cells.database(located.cell).write(lambda conn: bdm_repo.update(
        conn, bdm["uuid"], {"delete_on_termination": delete_on_termination}, utcnow()))


def swap(state: ComputeState, ctx: RequestContext, mapping: InstanceMapping,
         volume_id: str, new_volume_id: str,
         delete_on_termination: bool | None = None) -> None:
    volumes, uuid = _client(state), mapping.instance_uuid
    located, old = _attached(state, mapping, volume_id, SWAP)
    _check(ctx, located, SWAP, SWAP_STATES)
    new = _volume(state, ctx, new_volume_id)
    if new.multiattach or _volume(state, ctx, volume_id).multiattach:
        raise exc.Invalid("Swapping multi-attach volumes is not supported.")
    attachment = _volume_call(lambda: volumes.attachment_create(
        new.id, instance_uuid=uuid, **_kw(ctx)), new.id)
    begun = False
    try:
        _volume_call(lambda: volumes.begin_detaching(volume_id, **_kw(ctx)), volume_id)
        begun = True

        def work(conn) -> None:
            _guarded(conn, ctx, located, SWAP, SWAP_STATES)
            if delete_on_termination is not None:
                bdm_repo.update(conn, old["uuid"],
                                {"delete_on_termination": delete_on_termination}, utcnow())
        state.cells.database(located.cell).write(work)
        ComputeAPI(state.buses.require(located.cell)).swap_volume(
            ctx, located.instance.host, uuid, bdm_uuid=old["uuid"], new_volume_id=new.id,
            new_attachment_id=attachment.id).send()
    except BaseException:
        volumes.attachment_delete(attachment.id, **_kw(ctx))
        if begun:
            volumes.roll_detaching(volume_id, **_kw(ctx))
        raise
